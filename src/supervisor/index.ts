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
export { totalRestartsOf } from './childTable.js';
export { createSupervisor, type SupervisorLogic } from './createSupervisor.js';
export { declareSupervisor, SUPERVISOR_LOGIC, supervises } from './supervisorLogic.js';
export {
  type SupervisorEvent,
  type SupervisorOutput,
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
  RestartType,
  Shutdown,
  Strategy,
  SupervisorEmitted,
  SupervisorOptions,
} from './types.js';
