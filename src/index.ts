export { TAKES_ENVIRONMENT, takeEnvironment, takesEnvironment } from './environment.js';
export * from './errors.js';
export * from './inspect/index.js';
export * from './journal/index.js';
export {
  createDashboard,
  type Dashboard,
  type DashboardContext,
  listRows,
  type SessionChildView,
  type SessionView,
} from './manager/dashboardStore.js';
export {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
} from './manager/sessionManager.js';
export { SESSION_ID_PATTERN, type SessionSpec } from './manager/sessionSpec.js';
export {
  fromProcess,
  type ProcessContext,
  type ProcessEvent,
  processMachine,
} from './process/fromProcess.js';
export { liveProcessTreeCount, processTreesGone } from './process/hostExit.js';
export {
  type EnvMarker,
  findMarkedProcesses,
  PROCESS_MARKER_ENV,
  SCOPE_MARKER_ENV,
  SESSION_MARKER_ENV,
  type SweepOptions,
  type SweepResult,
  sweepMarkedProcesses,
  sweepSessionProcesses,
} from './process/processTree.js';
export type {
  ProcessEmitted,
  ProcessInput,
  ProcessOutput,
  ProcessResult,
} from './process/processTypes.js';
export * from './registry/index.js';
export { sessionMachine } from './session/sessionMachine.js';
export type { SessionInput, SessionOutput, SessionState } from './session/types.js';
export { acceptsShutdown, SHUTDOWN_EVENT, type ShutdownEvent } from './shutdown.js';
export * from './supervisor/index.js';
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
