/**
 * The ground layer: the vocabulary every other layer shares and that
 * depends on nothing of ours: errors, the clock, outcomes, the shutdown
 * event, the child environment, and the helpers that show values and guard
 * callbacks.
 *
 * ```ts
 * import { SessionError, systemNow, SHUTDOWN_EVENT } from '../ground/index.js';
 * ```
 *
 * Importing it checks the Node.js version first: every entry point imports
 * it before anything else, so an old Node.js gets a clear error before a
 * dependency fails on it obscurely.
 */
// Must stay first: ES modules evaluate their imports in source order.
import './requireNodeVersion.js';

export * from './callbackGuard.js';
export * from './clock.js';
export * from './defined.js';
export * from './environment.js';
export * from './errorMessage.js';
export * from './errors.js';
export * from './limits.js';
export * from './monotonic.js';
export * from './nodeVersion.js';
export * from './outcome.js';
export * from './sessionId.js';
export * from './shown.js';
export * from './shutdown.js';
