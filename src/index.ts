export {
  fromProcess,
  type ProcessContext,
  type ProcessEvent,
  processMachine,
} from './actors/fromProcess.js';
export { liveProcessTreeCount, processTreesGone } from './actors/hostExit.js';
export {
  type EnvMarker,
  findMarkedProcesses,
  PROCESS_MARKER_ENV,
  SESSION_MARKER_ENV,
  type SweepOptions,
  type SweepResult,
  sweepMarkedProcesses,
  sweepSessionProcesses,
} from './actors/processTree.js';
export type {
  ProcessEmitted,
  ProcessInput,
  ProcessOutput,
  ProcessResult,
} from './actors/processTypes.js';
export {
  createDashboard,
  type Dashboard,
  type DashboardContext,
  listRows,
  type SessionChildView,
  type SessionView,
} from './dashboard/dashboard.js';
export * from './errors.js';
export * from './inspect/index.js';
export * from './journal/index.js';
export { sessionMachine } from './machines/session/sessionMachine.js';
export type { SessionInput, SessionOutput, SessionState } from './machines/session/types.js';
export * from './machines/supervisor/index.js';
export {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
} from './manager/sessionManager.js';
export { SESSION_ID_PATTERN, type SessionSpec } from './manager/sessionSpec.js';
export * from './registry/index.js';
export { acceptsShutdown, SHUTDOWN_EVENT, type ShutdownEvent } from './shutdown.js';
export {
  DEFAULT_KEEP_POLICY,
  defaultWorkspaceRoot,
  KEEP_POLICIES,
  type KeepPolicy,
  keepsWorkspace,
  WORKSPACE_BRANCH_PREFIX,
  type WorkspaceEvent,
  type WorkspaceKind,
  type WorkspaceLocation,
  type WorkspacePlan,
  type WorkspaceSpec,
  type WorkspaceStatus,
  workspaceBranch,
  workspacePath,
} from './workspace/index.js';
