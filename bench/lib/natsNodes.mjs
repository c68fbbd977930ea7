/**
 * A 3-node nats-server cluster for the fault figures: each node with its
 * own config file, store directory, client port and HTTP monitor, stopped
 * by pid; which node leads what; waiting until every replica is current.
 *
 *   const cluster = await startCluster(binary, dir);
 *   const victim = await cluster.leader('journal', prefix);   // 'journal' | 'owners' | 'hosts' | 'meta'
 *   await victim.kill(); await victim.start();
 *   await cluster.healthy(prefix);
 *   await cluster.stop();
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { benchEnv } from './leaks.mjs';

/** The nats-server binary: on PATH, or where Debian and a manual install put it; undefined when none. */
export function natsServerPath() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, 'nats-server'), constants.X_OK);
      return join(dir, 'nats-server');
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function spawnNode(binary, configFile) {
  const child = spawn(binary, ['-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...benchEnv },
  });
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk) => {
      log += chunk;
      if (/Server is ready/.test(log)) {
        child.stderr.off('data', onData);
        child.stderr.resume();
        resolve(child);
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
}

function signalAndWait(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

const streamOf = (role, prefix) =>
  role === 'journal' ? `${prefix}_journal` : `KV_${prefix}_${role}`;

export async function startCluster(binary, dir, size = 3) {
  const routes = await Promise.all(Array.from({ length: size }, freePort));
  const clients = await Promise.all(Array.from({ length: size }, freePort));
  const monitors = await Promise.all(Array.from({ length: size }, freePort));
  const nodes = routes.map((routePort, index) => {
    const storeDir = join(dir, `n${index}`);
    mkdirSync(storeDir, { recursive: true });
    const configFile = join(dir, `n${index}.conf`);
    writeFileSync(
      configFile,
      [
        `server_name: n${index}`,
        `listen: 127.0.0.1:${clients[index]}`,
        `http: 127.0.0.1:${monitors[index]}`,
        `jetstream { store_dir: "${storeDir}", max_memory_store: 64MB, max_file_store: 256MB }`,
        `cluster { name: bench, listen: 127.0.0.1:${routePort}, routes: [${routes
          .map((port) => `nats-route://127.0.0.1:${port}`)
          .join(', ')}] }`,
      ].join('\n'),
    );
    const node = {
      name: `n${index}`,
      url: `nats://127.0.0.1:${clients[index]}`,
      monitor: `http://127.0.0.1:${monitors[index]}`,
      child: undefined,
      async start() {
        node.child = await spawnNode(binary, configFile);
      },
      kill: () => signalAndWait(node.child, 'SIGKILL'),
      stop: () => signalAndWait(node.child, 'SIGTERM'),
    };
    return node;
  });
  await Promise.all(nodes.map((node) => node.start()));
  const servers = nodes.map((node) => node.url);

  /** The name of the node leading `role`, asked of whoever answers. */
  const leaderName = async (role, prefix) => {
    if (role === 'meta') {
      for (const node of nodes) {
        try {
          const jsz = await (await fetch(`${node.monitor}/jsz`)).json();
          if (jsz.meta_cluster?.leader) return jsz.meta_cluster.leader;
        } catch {
          // Down: ask the next.
        }
      }
      return undefined;
    }
    const nc = await connect({ servers });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 1000, checkAPI: false });
      return (await jsm.streams.info(streamOf(role, prefix))).cluster?.leader;
    } catch {
      return undefined;
    } finally {
      await nc.close();
    }
  };

  const cluster = {
    nodes,
    servers,
    pids: () => nodes.map((node) => node.child?.pid).filter(Boolean),
    leaderName,
    async leader(role, prefix) {
      const name = await leaderName(role, prefix);
      const node = nodes.find((candidate) => candidate.name === name);
      if (!node) throw new Error(`nobody leads ${role}`);
      return node;
    },
    /** Every stream of `prefix` led, each replica current, and a meta leader. */
    async healthy(prefix, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const nc = await connect({ servers });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000, checkAPI: false });
        for (;;) {
          const ok = await Promise.all(
            ['journal', 'owners', 'hosts'].map(async (role) => {
              try {
                const info = (await jsm.streams.info(streamOf(role, prefix))).cluster;
                return (
                  info?.leader !== undefined &&
                  (info.replicas ?? []).length === size - 1 &&
                  info.replicas.every((replica) => replica.current && !replica.offline)
                );
              } catch {
                return false;
              }
            }),
          );
          if (ok.every(Boolean) && (await leaderName('meta', prefix))) return;
          if (Date.now() > deadline) throw new Error('the cluster did not recover');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await nc.close();
      }
    },
    stop: () => Promise.all(nodes.map((node) => node.stop())),
  };
  // JetStream answers once the meta leader is elected.
  const deadline = Date.now() + 30_000;
  while (!(await leaderName('meta', ''))) {
    if (Date.now() > deadline) throw new Error('no meta leader');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return cluster;
}
