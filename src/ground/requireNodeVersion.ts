/**
 * Imported first by every library entry point (`xstate-otp`,
 * `xstate-otp/testing`): throws a clear error on a Node.js that is too old,
 * before any module that would fail on it obscurely is evaluated. ES modules
 * evaluate their imports in source order, so being first is enough.
 *
 * ```ts
 * import './requireNodeVersion.js'; // must stay the first import
 * ```
 */
import { nodeVersionProblem } from './nodeVersion.js';

const problem = nodeVersionProblem();
if (problem !== undefined) throw new Error(`xstate-otp ${problem}`);
