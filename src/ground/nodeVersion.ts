/**
 * The Node.js version xstate-otp runs on, checked before anything that needs
 * it is loaded: on an older Node a dependency fails to load with a cryptic
 * error instead (execa on Node 20: `TEXT_ENCODINGS.union is not a function`).
 *
 * ```ts
 * nodeVersionProblem('20.20.2'); // 'needs Node.js >= 22; this is v20.20.2'
 * nodeVersionProblem('22.1.0');  // undefined
 * ```
 *
 * Imports nothing, so that it can be evaluated first.
 */

export const MIN_NODE_MAJOR = 22;

/** What is wrong with `version` (default: this Node), or `undefined` when it will do. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return `needs Node.js >= ${MIN_NODE_MAJOR}; this is v${version.replace(/^v/, '')}`;
}
