/**
 * xstate-otp: Erlang/OTP-grade supervision, sessions and process management
 * for XState v5 actors. This is the whole public surface of the main entry;
 * `xstate-otp/testing`, `xstate-otp/nats` and `xstate-otp/dashboard` are the
 * other entries.
 *
 * @module
 */

// Must stay first: a clear error on an old Node.js before a dependency fails obscurely.
import './ground/requireNodeVersion.js';

export {
  type ChildEnvironment,
  TAKES_ENVIRONMENT,
  takeEnvironment,
  takesEnvironment,
} from './ground/environment.js';
// Errors: one hierarchy, each with a stable `code`.
export {
  ClusterError,
  type ClusterErrorCode,
  JournalError,
  type JournalErrorCode,
  OtpError,
  type ProcessErrorCode,
  ProcessExitError,
  RegistryError,
  type RegistryErrorCode,
  SessionError,
  type SessionErrorCode,
  SupervisorError,
  type SupervisorErrorCode,
  WorkspaceError,
  type WorkspaceErrorCode,
} from './ground/errors.js';
export { OUTCOMES, type Outcome, type TerminalRecord } from './ground/outcome.js';
export { SHUTDOWN_EVENT, type ShutdownEvent } from './ground/shutdown.js';
// Inspection.
export {
  createInspectionFile,
  type InspectionFile,
  type InspectionFileOptions,
  type InspectionRecord,
  inspectionLine,
  inspectionRecord,
  type SupervisionNode,
  type SupervisionNodeKind,
  supervisionTree,
  type ToMermaidOptions,
  toMermaid,
} from './inspect/index.js';
// The journal.
export {
  createFileJournal,
  createMemoryJournal,
  type FileJournal,
  type Journal,
  type JournalCreatedRecord,
  type JournalRecord,
  type JournalStartedRecord,
  type JournalTerminalRecord,
  type JournalWorkspaceRecord,
  type MemoryJournal,
  replayJournal,
  type SessionSummary,
} from './journal/index.js';
// Sessions and the manager.
export {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
} from './manager/createSessionManager.js';
export type { DashboardContext } from './manager/dashboardStore.js';
export { listRows } from './manager/dashboardStore.js';
export type { Dashboard } from './manager/dashboardView.js';
export { SESSION_ID_PATTERN, type SessionSpec } from './manager/sessionSpec.js';
export type {
  HostRequest,
  OpenedStore,
  SessionStore,
  SessionStoreFactory,
  StoreContext,
  StoreEvent,
} from './manager/store.js';
// Processes.
export { fromProcess, processMachine } from './process/fromProcess.js';
export {
  findMarkedProcesses,
  findSessionProcesses,
  PROCESS_MARKER_ENV,
  SCOPE_MARKER_ENV,
  type ScopeSweepOptions,
  SESSION_MARKER_ENV,
  type SessionSweepOptions,
  type SweepOptions,
  type SweepResult,
  sweepMarkedProcesses,
  sweepScopeProcesses,
  sweepSessionProcesses,
} from './process/processTree.js';
export type {
  ProcessEmitted,
  ProcessInput,
  ProcessOutput,
  ProcessResult,
} from './process/processTypes.js';
// The registry.
export {
  createRegistry,
  type Registry,
  type RegistryChange,
  sessionSupervisorKey,
} from './registry/index.js';
export { sessionMachine } from './session/sessionMachine.js';
export type { SessionInput, SessionOutput } from './session/types.js';
export type { SessionChildView, SessionState, SessionView } from './session/view.js';
// Supervisors and their admin API.
export {
  type AutoShutdown,
  type Backoff,
  type ChildChangedEvent,
  type ChildCounts,
  type ChildInfo,
  type ChildSpec,
  type ChildStartFailedEvent,
  type ChildStatus,
  countChildren,
  createSupervisor,
  declareSupervisor,
  deleteChild,
  type RestartType,
  restartChild,
  type Shutdown,
  type Strategy,
  type SupervisorEmitted,
  type SupervisorLogic,
  type SupervisorOptions,
  type SupervisorOutput,
  startChild,
  supervisorMachine,
  terminateChild,
  whichChild,
  whichChildren,
} from './supervisor/index.js';
// Workspaces.
export {
  DEFAULT_KEEP_POLICY,
  defaultWorkspaceRoot,
  type KeepPolicy,
  keepsWorkspace,
  WORKSPACE_BRANCH_PREFIX,
  type WorkspaceKind,
  type WorkspaceLocation,
  type WorkspaceSpec,
  workspaceBranch,
  workspacePath,
} from './workspace/index.js';
