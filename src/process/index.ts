/**
 * The process layer: external programs as XState actors (`fromProcess`),
 * the process trees they spawn, and the markers and sweeps that find and
 * kill whatever a tree left behind.
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { fromProcess } from 'xstate-otp';
 *
 * const build = createActor(fromProcess(), { input: { command: 'npm', args: ['run', 'build'] } });
 * build.start();
 * ```
 *
 * See docs/processes.md.
 */
export {
  fromProcess,
  type ProcessContext,
  type ProcessEvent,
  processMachine,
} from './fromProcess.js';
export { liveProcessTreeCount, processTreesGone, trackProcessTree } from './hostExit.js';
export { holdLeaseDeadline, hostLeaseDeadlineMs, type LeaseDeadline } from './hostWatchdog.js';
export {
  type EnvMarker,
  type MarkerMatch,
  PROCESS_MARKER_ENV,
  SCOPE_MARKER_ENV,
  SESSION_MARKER_ENV,
  treeMembers,
} from './markers.js';
export { killTreesSync, ProcessTree, type ProcessTreeOptions } from './processTree.js';
export type {
  ProcessEmitted,
  ProcessInput,
  ProcessOutput,
  ProcessResult,
} from './processTypes.js';
export { hasProcfs, isProcessAlive } from './procfs.js';
export {
  findMarkedProcesses,
  findSessionProcesses,
  type ScopeSweepOptions,
  type SessionSweepOptions,
  type SweepOptions,
  type SweepResult,
  sweepMarkedProcesses,
  sweepScopeProcesses,
  sweepSessionProcesses,
} from './sweep.js';
