/**
 * A cluster host process (test/fixtures/cluster-host.mjs) the failover
 * tests can kill, pause and talk to.
 *
 * ```ts
 * const host = await startClusterHost({ servers: url, prefix, hostId: 'h1', leaseMs: 1000, sessions: ['a'] });
 * host.signal('SIGSTOP'); host.signal('SIGCONT');
 * const line = await host.waitFor((l) => l.event?.type === 'fenced');
 * host.send({ append: 'a' });
 * await host.kill();   // SIGKILL, resolves once the pid is gone
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitForPidsGone } from '../../src/testing/processes.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface ClusterHostConfig {
  /** The fixture to run; default 'cluster-host.mjs' (a bare store); 'cluster-manager-host.mjs' runs a manager. */
  fixture?: string;
  servers: string | string[];
  prefix: string;
  hostId: string;
  leaseMs: number;
  sessions: string[];
  timeoutMs?: number;
}

/** One line the fixture printed: free-form JSON. */
export type HostLine = Record<string, any>;

export interface ClusterHost {
  readonly pid: number;
  readonly lines: HostLine[];
  /** Resolves with the first line (seen so far or later) matching; rejects after `timeoutMs`. */
  waitFor(predicate: (line: HostLine) => boolean, timeoutMs?: number): Promise<HostLine>;
  send(command: HostLine): void;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL; resolves once the pid is gone. */
  kill(): Promise<void>;
}

export async function startClusterHost(config: ClusterHostConfig): Promise<ClusterHost> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', './register-ts.mjs', config.fixture ?? 'cluster-host.mjs', JSON.stringify(config)],
    { cwd: fixtures, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: HostLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text));
    } catch {
      lines.push({ text });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });

  const host: ClusterHost = {
    pid: child.pid!,
    lines,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found) {
            done();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(`cluster host exited (${child.exitCode ?? child.signalCode}):\n${stderr}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`no matching line from the cluster host within ${timeoutMs} ms:\n${stderr}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    signal(signal) {
      child.kill(signal);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await waitForPidsGone([child.pid!]);
    },
  };
  await host.waitFor((line) => line.ready === true, 15_000);
  return host;
}
