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
export {
  createSupervisor,
  isSupervisorLogic,
  markSupervisorLogic,
  type SupervisorLogic,
} from './createSupervisor.js';
export { findChildEnvironment } from './environment.js';
export {
  type SupervisorEvent,
  type SupervisorOutput,
  supervisorMachine,
} from './supervisorMachine.js';
export type {
  AutoShutdown,
  ChildChangedEvent,
  ChildCounts,
  ChildEnvironment,
  ChildInfo,
  ChildSpec,
  ChildStatus,
  RestartType,
  Shutdown,
  Strategy,
  SupervisorOptions,
} from './types.js';
export { resolveSupervisorOptions } from './validate.js';
