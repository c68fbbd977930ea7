export {
  childRef,
  countChildren,
  deleteChild,
  restartChild,
  startChild,
  terminateChild,
  whichChild,
  whichChildren,
} from './admin.js';
// The pieces the session machine is built from (src/session/): not part of
// the package's public surface.
export { CHILD_EXIT } from './childExit.js';
export { initialContext, type SupervisorContext, totalRestartsOf } from './childTable.js';
export { createSupervisor, type SupervisorLogic } from './createSupervisor.js';
export {
  endingHandlers,
  forSetup,
  handleExit,
  stopSequence,
  supervising,
  supervisingHandlers,
  supervisionActions,
  supervisionDelays,
  supervisionGuards,
} from './supervision.js';
export { declareSupervisor, SUPERVISOR_LOGIC, supervises } from './supervisorLogic.js';
export {
  type SupervisorEvent,
  type SupervisorOutput,
  SupervisorStateMachine,
  supervisorMachine,
} from './supervisorMachine.js';
export type {
  AutoShutdown,
  Backoff,
  ChildChangedEvent,
  ChildCounts,
  ChildEnvironment,
  ChildInfo,
  ChildSpec,
  ChildStartFailedEvent,
  ChildStatus,
  ResolvedChildSpec,
  ResolvedSupervisorOptions,
  RestartType,
  ResumeLast,
  ResumePolicy,
  Shutdown,
  Strategy,
  SupervisorEmitted,
  SupervisorOptions,
} from './types.js';
export { resolveSupervisorOptions } from './validate.js';
