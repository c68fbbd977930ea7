/**
 * Real `nats-server` processes for the cluster tests: one JetStream node, or
 * a three-node cluster with routes, each on free loopback ports with its own
 * store directory, stopped by pid.
 *
 * ```ts
 * const server = await startNatsServer();           // nats-server -js -a 127.0.0.1 -p -1 -sd <tmp>
 * const store = await natsCluster({ servers: server.url }).open(...);
 * await server.stop();                              // SIGTERM, then waits for the pid to go
 * expect(isPidAlive(server.pid)).toBe(false);
 *
 * const cluster = await startNatsCluster();         // 3 nodes, JetStream meta leader elected
 * await cluster.nodes[1].kill();                     // SIGKILL one node
 * ```
 *
 * The binary comes from PATH, else /usr/sbin or /usr/local/bin (Debian puts
 * it in /usr/sbin, which is not on every user's PATH). `natsSuite` skips a
 * file's tests with a message when there is none, and fails them under
 * `CI=true`, where `.ci/run` installs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe } from 'vitest';
import { isPidAlive, waitForPidsGone } from '../../src/testing/processes.js';

const INSTALL_HINT = 'nats-server not found: apt-get install nats-server';

/** The nats-server binary, or `undefined` when there is none. */
export function natsServerPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * `describe` that needs a nats-server: skipped (with the install hint) where
 * there is none, failing under CI instead.
 */
export function natsSuite(name: string, body: () => void): void {
  if (natsServerPath() !== undefined) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${INSTALL_HINT} (required under CI)`);
    });
    return;
  }
  console.warn(`Skipping "${name}": ${INSTALL_HINT}`);
  describe.skip(name, body);
}

export interface NatsNode {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly storeDir: string;
  /** SIGTERM and wait until the pid is gone. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait until the pid is gone. */
  kill(): Promise<void>;
  /** Starts the node again on the same ports and store (after `stop`/`kill`). */
  restart(): Promise<NatsNode>;
}

/** A free loopback TCP port (bound and released; the caller uses it at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

const READY = /Server is ready/;
const CLIENT_PORT = /Listening for client connections on [^\s]+:(\d+)/;

/** Spawns nats-server and resolves once its log says it is ready, with the client port it chose. */
function spawnServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const binary = natsServerPath();
  if (!binary) return Promise.reject(new Error(INSTALL_HINT));
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    let port: number | undefined;
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      port ??= Number(CLIENT_PORT.exec(log)?.[1]) || undefined;
      if (port !== undefined && READY.test(log)) {
        child.stderr?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stderr?.resume();
        resolve({ child, port });
      }
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`nats-server exited (${code ?? signal}) before it was ready:\n${log}`)),
    );
  });
}

function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !isPidAlive(pid)) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  return exited.then(() => waitForPidsGone([pid]));
}

function makeNode(args: (port: number) => string[], storeDir: string, fixedPort?: number) {
  const start = async (port?: number): Promise<NatsNode> => {
    const { child, port: actual } = await spawnServer(args(port ?? -1));
    const node: NatsNode = {
      url: `nats://127.0.0.1:${actual}`,
      port: actual,
      pid: child.pid!,
      storeDir,
      stop: () => signalAndWait(child, 'SIGTERM'),
      kill: () => signalAndWait(child, 'SIGKILL'),
      restart: () => start(actual),
    };
    return node;
  };
  return start(fixedPort);
}

export interface SingleNats extends NatsNode {
  /** A cluster node's `server_name` (n0, n1, ...), as stream infos name their leader. */
  readonly name?: string;
  /** A cluster node's HTTP monitoring endpoint (`/jsz` names the meta leader). */
  readonly monitorUrl?: string;
  /** Stops the server (if running) and removes its store directory. */
  dispose(): Promise<void>;
}

/**
 * One JetStream node on a free loopback port with a fresh store directory
 * (`jetstream: false`: a plain NATS server; `credentials`: one that wants them).
 */
export async function startNatsServer(
  options: { jetstream?: boolean; credentials?: { user: string; pass: string } } = {},
): Promise<SingleNats> {
  const storeDir = mkdtempSync(join(tmpdir(), 'xotp-nats-'));
  const jetstream = options.jetstream === false ? [] : ['-js', '-sd', storeDir];
  const credentials = options.credentials
    ? ['--user', options.credentials.user, '--pass', options.credentials.pass]
    : [];
  const node = await makeNode(
    (port) => [...jetstream, ...credentials, '-a', '127.0.0.1', '-p', String(port)],
    storeDir,
  );
  return withDispose(node, [storeDir]);
}

function withDispose(
  node: NatsNode,
  dirs: string[],
  cluster?: { name: string; monitorUrl: string },
): SingleNats {
  let current = node;
  const wrapped: SingleNats = {
    ...cluster,
    get url() {
      return current.url;
    },
    get port() {
      return current.port;
    },
    get pid() {
      return current.pid;
    },
    storeDir: node.storeDir,
    stop: () => current.stop(),
    kill: () => current.kill(),
    restart: async () => {
      current = await current.restart();
      return wrapped;
    },
    dispose: async () => {
      await current.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return wrapped;
}

export interface NatsCluster {
  readonly nodes: SingleNats[];
  /** Every node's client URL. */
  readonly servers: string[];
  /** Every pid the cluster ever ran (restarts included). */
  pids(): number[];
  dispose(): Promise<void>;
}

/**
 * Three JetStream nodes routed to each other, each with a config file
 * (server_name, listen, jetstream store, cluster routes). Resolves once
 * JetStream answers on every node, i.e. the meta leader is elected.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const root = mkdtempSync(join(tmpdir(), 'xotp-natscluster-'));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const clientPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const seen: number[] = [];
  const nodes = await Promise.all(
    routePorts.map(async (routePort, index) => {
      const storeDir = join(root, `n${index}`);
      const configFile = join(root, `n${index}.conf`);
      const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
      writeFileSync(
        configFile,
        [
          `server_name: n${index}`,
          `listen: 127.0.0.1:${clientPorts[index]}`,
          `http: 127.0.0.1:${monitorPorts[index]}`,
          `jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 256MB }`,
          `cluster { name: xotp, listen: 127.0.0.1:${routePort}, routes: [${routes}] }`,
        ].join('\n'),
      );
      const node = await makeNode(() => ['-c', configFile], storeDir);
      return withDispose(tracking(node, seen), [], {
        name: `n${index}`,
        monitorUrl: `http://127.0.0.1:${monitorPorts[index]}`,
      });
    }),
  );
  const cluster: NatsCluster = {
    nodes,
    servers: nodes.map((node) => node.url),
    pids: () => [...seen],
    dispose: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((node) => waitForJetStream(node.url)));
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

function tracking(node: NatsNode, seen: number[]): NatsNode {
  seen.push(node.pid);
  return { ...node, restart: async () => tracking(await node.restart(), seen) };
}

/**
 * Resolves once JetStream answers on `url` (a cluster needs its meta leader
 * first); retries on the "not ready" answers an election gives.
 */
export async function waitForJetStream(url: string, timeoutMs = 15_000): Promise<void> {
  const nc = await connect({ servers: url });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        await jsm.getAccountInfo();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await nc.close();
  }
}
