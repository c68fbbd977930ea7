/**
 * The process warnings of guarded callbacks (`XSTATE_OTP_CALLBACK`), for
 * tests that make a callback throw.
 *
 * ```ts
 * const warnings = collectCallbackWarnings();
 * // … a callback throws …
 * expect(await warnings.stop()).toEqual([expect.stringMatching(/^A registry listener threw/)]);
 * ```
 */
import { CALLBACK_WARNING } from '../../src/ground/callbackGuard.js';

export function collectCallbackWarnings() {
  const messages: string[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code === CALLBACK_WARNING) messages.push(warning.message);
  };
  process.on('warning', listener);
  return {
    /** Stops collecting once pending warnings are in (Node emits them on a later tick); the messages. */
    async stop(): Promise<string[]> {
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', listener);
      return messages;
    },
  };
}
