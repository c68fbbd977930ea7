/**
 * User callbacks the runtime calls from inside its own bookkeeping (a
 * dashboard subscriber, a registry listener): guarded, so that a bug in one
 * cannot abort that bookkeeping or kill the host.
 *
 * ```ts
 * const notify = guardCallback('registry listener', listener);
 * notify(change); // a throw becomes a process warning; notify returns undefined
 * ```
 *
 * These callbacks run synchronously, in the middle of a registration or a
 * session's change, often inside an actor's observer, where XState rethrows
 * an error asynchronously and the process dies. A guarded callback's error
 * becomes a process warning instead (code `XSTATE_OTP_CALLBACK`, see
 * `process.on('warning')`): its first throw only, so that a callback that
 * throws on every call cannot flood stderr. The callback stays subscribed,
 * like a UI that fails one render and renders the next.
 */
import { errorMessage } from './errorMessage.js';

export const CALLBACK_WARNING = 'XSTATE_OTP_CALLBACK';

/** `callback`, with its throws reported as a warning rather than propagated. */
export function guardCallback<Args extends unknown[], Result>(
  what: string,
  callback: (...args: Args) => Result,
): (...args: Args) => Result | undefined {
  let reported = false;
  return (...args) => {
    try {
      return callback(...args);
    } catch (error) {
      if (!reported) {
        reported = true;
        process.emitWarning(
          `A ${what} threw: ${errorMessage(error)}. xstate-otp carries on; later throws of this ${what} are not reported again.`,
          { code: CALLBACK_WARNING, detail: error instanceof Error ? error.stack : undefined },
        );
      }
      return undefined;
    }
  };
}

/** What an XState-style listener calls: the listener itself, or its observer's `next`; `undefined` for anything else. */
export function nextOf<T>(listener: unknown): ((value: T) => void) | undefined {
  if (typeof listener === 'function') return listener as (value: T) => void;
  const next = (listener as { next?: unknown } | null | undefined)?.next;
  return typeof next === 'function' ? (next.bind(listener) as (value: T) => void) : undefined;
}
