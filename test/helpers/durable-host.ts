/**
 * A durable-session host in a process of its own (test/fixtures/durable-host.mjs),
 * for the tests that kill, pause or stop it.
 *
 * ```ts
 * const host = await startDurableHost({ journal: path, type: 'counter', sessions: ['a'], seed: 1 });
 * await host.untilAcks(5);          // five more sends acknowledged
 * host.acked.get('a');              // the highest count acknowledged for 'a'
 * await host.kill();                // SIGKILL; resolves once Node has reaped it
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPidsGone } from '../../src/testing/processes.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface DurableHost {
  child: ChildProcess;
  /** The highest count acknowledged per session so far. */
  acked: Map<string, number>;
  /** Lines other than acknowledgements (`refused <id> <code>`, `idle`). */
  notes: string[];
  /** Resolves once `acks` more sends were acknowledged. */
  untilAcks(acks: number): Promise<void>;
  /** Resolves with the first note matching, seen so far or later. */
  untilNote(predicate: (note: string) => boolean): Promise<string>;
  /** SIGKILL; resolves once the process is reaped (its pid no longer reads as alive). */
  kill(): Promise<void>;
}

export async function startDurableHost(config: Record<string, unknown>): Promise<DurableHost> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(fixtures, 'register-ts.mjs'),
      join(fixtures, 'durable-host.mjs'),
      JSON.stringify(config),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const acked = new Map<string, number>();
  const notes: string[] = [];
  let total = 0;
  const waiters = new Set<() => void>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let buffered = '';
  const opened = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'open') resolve();
        const [word, id, count] = line.split(' ');
        if (word === 'acked') {
          acked.set(id!, Math.max(acked.get(id!) ?? 0, Number(count)));
          total++;
        } else {
          notes.push(line);
        }
      }
      for (const wake of [...waiters]) wake();
    });
    child.on('exit', (code, signal) => reject(new Error(`host exited early: ${code ?? signal}`)));
  });
  await opened;
  const until = <T>(check: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const wake = () => {
        const found = check();
        if (found === undefined) return;
        waiters.delete(wake);
        resolve(found);
      };
      waiters.add(wake);
      wake();
    });
  return {
    child,
    acked,
    notes,
    untilAcks: (acks) => {
      const at = total + acks;
      return until(() => (total >= at ? true : undefined)).then(() => {});
    },
    untilNote: (predicate) => until(() => notes.find(predicate)),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await waitForPidsGone([child.pid!]);
    },
  };
}
