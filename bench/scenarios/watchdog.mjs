/**
 * Scenario 7b, the host watchdog: no process outlives its host by more than
 * a second.
 *
 * A host (`lib/watchdogHost.mjs`, the built package) runs 50 process
 * sessions, each a shell with a `setsid` daemon and a plain child (150
 * processes). It is killed with SIGKILL and `/proc` is polled every
 * millisecond until the last of its processes is gone. The host runs nothing
 * after SIGKILL: its watchdog does the killing. Baseline: another such host's
 * 150 processes SIGKILLed directly by the bench, one `kill` each, timed the
 * same way: the operating system's floor for killing and reaping them. The
 * figure is the worst of the rounds, since the bound must hold every time.
 *
 * Every program carries the bench marker (see leaks.mjs); afterwards the
 * scenario checks that none is left and fails the row if one is.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killAll, markedPids } from '../lib/leaks.mjs';
import { quick } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const SESSIONS = 50;
const ROUNDS = quick ? 3 : 5;
const HOST = fileURLToPath(new URL('../lib/watchdogHost.mjs', import.meta.url));

/** True while `pid` runs (a zombie counts as gone: it holds nothing but its pid). */
function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Ms from now until none of `pids` runs, polled every millisecond (gives up after 10 s). */
async function msUntilGone(pids) {
  const start = performance.now();
  let left = pids;
  while (left.length > 0 && performance.now() - start < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    left = left.filter(running);
  }
  return performance.now() - start;
}

/** Starts a host and resolves once every process of its sessions is up. */
function startHost() {
  const host = spawn(process.execPath, [HOST, String(SESSIONS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => host.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    host.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /^pids:(.*)$/m.exec(out);
      if (match) resolve({ host, exited, pids: JSON.parse(match[1]) });
    });
    void exited.then((code) => reject(new Error(`watchdog host exited early (${code})`)));
  });
}

export async function run() {
  const ours = [];
  const floor = [];
  for (let round = 0; round < ROUNDS; round++) {
    const watched = await startHost();
    watched.host.kill('SIGKILL');
    ours.push(await msUntilGone(watched.pids));
    await watched.exited;

    const direct = await startHost();
    for (const pid of direct.pids) process.kill(pid, 'SIGKILL');
    floor.push(await msUntilGone(direct.pids));
    direct.host.kill('SIGKILL');
    await direct.exited;
  }
  const leaked = markedPids();
  killAll(leaked);
  return [
    row({
      scenario: `host SIGKILLed → its last process gone (${SESSIONS} sessions, setsid daemons)`,
      ours: Math.max(...ours),
      baseline: Math.max(...floor),
      unit: 'ms wall',
      baselineName: `the same ${SESSIONS * 3} processes SIGKILLed directly, one kill each`,
      target: { oursMax: 1000 },
      details: { rounds: { ours, floor }, processes: SESSIONS * 3, leaked },
      failure: leaked.length > 0 ? `${leaked.length} process(es) left behind` : undefined,
    }),
  ];
}
