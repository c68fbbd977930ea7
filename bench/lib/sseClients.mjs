/**
 * Event-stream clients for the dashboard scenario, in their own process (a
 * browser is elsewhere too): they read what the server pushes and count it,
 * and can stop reading on command, as a stalled tab or a slow link would.
 *
 *   const clients = startSseClients(url, 5);
 *   await clients.ready();                 // each has its first `reset`
 *   await clients.stall(2);                // two stop reading (TCP backpressure builds up)
 *   const { perClient } = await clients.report();
 *   await clients.close();                 // the process exits
 *
 * Run as a script (`node sseClients.mjs <url> <count>`), it is the child.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { benchEnv } from './leaks.mjs';

export function startSseClients(url, count) {
  const child = fork(fileURLToPath(import.meta.url), [url, String(count)], {
    env: { ...process.env, ...benchEnv },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ask = (command) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(command);
    });
  return {
    pid: child.pid,
    ready: () => ask({ type: 'ready' }),
    stall: (n) => ask({ type: 'stall', count: n }),
    resume: () => ask({ type: 'resume' }),
    report: () => ask({ type: 'report' }),
    async close() {
      child.send({ type: 'close' });
      await exited;
    },
  };
}

function runClients(url, count) {
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token');
  const clients = [];
  const readyWaiters = [];
  const checkReady = () => {
    if (clients.every((c) => c.resets > 0)) for (const resolve of readyWaiters.splice(0)) resolve();
  };
  for (let i = 0; i < count; i++) {
    const client = { bytes: 0, messages: 0, resets: 0, res: undefined, req: undefined };
    client.req = request(`${parsed.origin}/api/events?token=${token}`, (res) => {
      client.res = res;
      res.setEncoding('latin1');
      res.on('data', (chunk) => {
        client.bytes += chunk.length;
        for (let at = chunk.indexOf('event: '); at !== -1; at = chunk.indexOf('event: ', at + 7)) {
          client.messages += 1;
          if (chunk.startsWith('event: reset', at)) client.resets += 1;
        }
        checkReady();
      });
    });
    client.req.on('error', () => {});
    client.req.end();
    clients.push(client);
  }
  process.on('message', (command) => {
    switch (command.type) {
      case 'ready':
        if (clients.every((c) => c.resets > 0)) process.send({ ok: true });
        else readyWaiters.push(() => process.send({ ok: true }));
        break;
      case 'stall':
        for (const client of clients.slice(0, command.count)) client.res?.pause();
        process.send({ ok: true });
        break;
      case 'resume':
        for (const client of clients) client.res?.resume();
        process.send({ ok: true });
        break;
      case 'report':
        process.send({
          perClient: clients.map(({ bytes, messages, resets }) => ({ bytes, messages, resets })),
        });
        break;
      case 'close':
        for (const client of clients) client.req.destroy();
        process.disconnect();
        break;
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runClients(process.argv[2], Number(process.argv[3]));
}
