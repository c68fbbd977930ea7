/**
 * `xstate-otp demo`: scripted process sessions with mixed outcomes under a
 * file journal, shown live, optionally with the dashboard.
 *
 * ```ts
 * import { processIo } from '../io.js';
 * import { runDemo } from './index.js';
 *
 * process.exitCode = await runDemo(processIo(), { journal: '.xstate-otp/journal.jsonl', pace: 0.1 });
 * ```
 */
export { type DemoOptions, runDemo } from './runDemo.js';
