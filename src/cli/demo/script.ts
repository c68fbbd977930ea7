/**
 * What the demo runs: six process sessions whose outcomes are decided in
 * advance by the fixture program (the scripted scenarios of `src/scripted/`,
 * which `xstate-otp/testing` also offers), one of each kind, plus one that
 * leaves a daemon behind.
 *
 * ```ts
 * const scripts = demoScripts('run3', 1);        // ids run3-build, run3-flaky, …
 * startScenario(manager, scripts);
 * scripts.map((s) => EXPECTED_OUTCOME[s.outcome]); // completed, failed, failed, cancelled, timed_out, completed
 * ```
 *
 * `pace` scales every delay: 1 is slow enough to watch (about 5 s), 0.1 is
 * the `--fast` run the tests use.
 */
import type { ScriptedSession } from '../../scripted/scenario.js';

interface Entry extends Omit<ScriptedSession, 'id' | 'metadata'> {
  name: string;
  what: string;
}

const ENTRIES: readonly Entry[] = [
  { name: 'build', what: 'exits 0', outcome: 'success', delayMs: 3000 },
  {
    name: 'flaky',
    what: 'exits 3 each time; 2 restarts allowed',
    outcome: 'exit',
    exitCode: 3,
    intensity: 2,
    delayMs: 900,
  },
  { name: 'crash', what: 'dies of SIGKILL; no restart allowed', outcome: 'signal', delayMs: 2000 },
  { name: 'cancel', what: 'hangs; the demo cancels it', outcome: 'cancel', cancelAfterMs: 3500 },
  { name: 'slow', what: 'hangs past its timeout', outcome: 'timeout', timeoutMs: 5000 },
  {
    name: 'daemon',
    what: 'exits 0, leaving a setsid daemon',
    outcome: 'success',
    delayMs: 1800,
    spawn: [{ setsid: true }],
  },
];

const scaled = (ms: number | undefined, pace: number) =>
  ms === undefined ? undefined : Math.max(10, Math.round(ms * pace));

/** The demo's sessions for one run, ids prefixed with `run`. */
export function demoScripts(run: string, pace: number): ScriptedSession[] {
  return ENTRIES.map(({ name, what, delayMs, cancelAfterMs, timeoutMs, ...rest }) => {
    const script: ScriptedSession = {
      ...rest,
      id: `${run}-${name}`,
      metadata: { run, what },
    };
    const delay = scaled(delayMs, pace);
    if (delay !== undefined) script.delayMs = delay;
    const cancelAfter = scaled(cancelAfterMs, pace);
    if (cancelAfter !== undefined) script.cancelAfterMs = cancelAfter;
    const timeout = scaled(timeoutMs, pace);
    if (timeout !== undefined) script.timeoutMs = timeout;
    return script;
  });
}

/**
 * The next run's name, `run<N>`: one more than the highest run recorded in
 * the journal, so session ids (never reused in a journal) stay unique.
 */
export function nextRunName(
  previous: readonly { id: string; metadata?: Record<string, unknown> }[],
): string {
  let highest = 0;
  const taken = new Set<string>();
  for (const row of previous) {
    taken.add(row.id);
    const match = /^run(\d+)$/.exec(String(row.metadata?.run ?? ''));
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  for (let n = highest + 1; ; n++) {
    const run = `run${n}`;
    if (!ENTRIES.some((entry) => taken.has(`${run}-${entry.name}`))) return run;
  }
}
