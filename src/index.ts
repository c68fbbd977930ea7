/**
 * xstate-otp: Erlang/OTP-grade supervision, sessions and process management
 * for XState v5 actors. This is the whole public surface of the main entry:
 * what an application calls. The other entries are for narrower readers:
 * `xstate-otp/nats` (cluster mode), `xstate-otp/dashboard` (the web
 * dashboard), `xstate-otp/testing` (scripted sessions, process sweeps and
 * markers), `xstate-otp/store` (the storage seam, for adapter writers) and
 * `xstate-otp/otel` (OpenTelemetry spans and metrics of `telemetryChannels`).
 *
 * ```ts
 * import { createSessionManager, fromProcess } from 'xstate-otp';
 *
 * const manager = await createSessionManager({ journal: '.xstate-otp/journal.jsonl' });
 * const session = manager.createSession({
 *   autoShutdown: 'any_significant',
 *   children: [
 *     { id: 'tests', logic: fromProcess(), input: { command: 'npm', args: ['test'] }, restart: 'transient', significant: true },
 *   ],
 * });
 * console.log((await session.done).outcome); // 'completed' once the tests pass
 * await manager.stop();
 * ```
 *
 * The root imports only the index of each folder; CHANGELOG.md lists what
 * left this entry and where it went.
 *
 * @module
 */

// Must stay first: the ground layer checks the Node.js version before any
// dependency is evaluated, so an old Node.js gets a clear error.
import './ground/index.js';

// Errors (one hierarchy, each with a stable `code`), outcomes, the shutdown event.
export {
  type ChildEnvironment,
  ClusterError,
  type ClusterErrorCode,
  JournalError,
  type JournalErrorCode,
  OtpError,
  type Outcome,
  type ProcessErrorCode,
  ProcessExitError,
  RegistryError,
  type RegistryErrorCode,
  SessionError,
  type SessionErrorCode,
  SHUTDOWN_EVENT,
  type ShutdownEvent,
  SupervisorError,
  type SupervisorErrorCode,
  type TerminalRecord,
  type WorkspaceErrorCode,
} from './ground/index.js';
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
  type FileJournalOptions,
  type Journal,
  type JournalCheckpointRecord,
  type JournalCreatedRecord,
  type JournalRecord,
  type JournalResumedRecord,
  type JournalStartedRecord,
  type JournalTerminalRecord,
  type JournalWorkspaceRecord,
  type MemoryJournal,
} from './journal/index.js';
// Sessions and the manager.
export {
  createSessionManager,
  type Dashboard,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
  type SessionSpec,
  type SessionType,
  type SessionTypeSpec,
} from './manager/index.js';
// Processes.
export {
  fromProcess,
  type ProcessEmitted,
  type ProcessInput,
  type ProcessOutput,
  type ProcessResult,
} from './process/index.js';
// The registry.
export {
  createRegistry,
  type Registry,
  type RegistryChange,
  sessionSupervisorKey,
} from './registry/index.js';
export {
  type SessionChildView,
  type SessionInput,
  type SessionOutput,
  type SessionState,
  type SessionView,
  sessionMachine,
} from './session/index.js';
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
  deleteChild,
  type RestartType,
  type ResumeLast,
  type ResumePolicy,
  restartChild,
  type Shutdown,
  type Strategy,
  type SupervisorEmitted,
  type SupervisorLogic,
  type SupervisorOptions,
  type SupervisorOutput,
  startChild,
  terminateChild,
  whichChild,
  whichChildren,
} from './supervisor/index.js';
// Telemetry: the diagnostics_channel catalog (`xstate-otp/otel` turns it into OpenTelemetry).
export {
  type ChildExitMessage,
  type ChildRestartMessage,
  type ChildStartMessage,
  type ClusterFailoverMessage,
  type ClusterLeaseMessage,
  type ClusterRequestMessage,
  type ClusterServeMessage,
  type JournalAppendMessage,
  type SessionEndMessage,
  type SessionResumeMessage,
  type SessionStartMessage,
  type SupervisorIntensityMessage,
  type TelemetryEvent,
  telemetryChannels,
} from './telemetry/index.js';
// Workspaces.
export type {
  KeepPolicy,
  WorkspaceKind,
  WorkspaceLocation,
  WorkspaceSpec,
} from './workspace/index.js';
