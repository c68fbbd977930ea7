/**
 * A host for the "host SIGKILLed" row of the processes scenario: the built
 * package running process sessions, to be killed from outside.
 *
 *   node bench/lib/watchdogHost.mjs <sessions>
 *
 * Each session's process is a shell with a daemon that left its process group
 * and session (`setsid sleep`) and a plain child (`sleep`), every one carrying
 * the bench marker. Once all are up it prints `pids:<JSON array>` (every
 * process of every session) and waits to be killed.
 */

import { benchEnv } from './leaks.mjs';
import { createSessionManager, fromProcess } from './library.mjs';

const SHELL = 'setsid sleep 600 & echo pid:$!; sleep 600 & echo pid:$!; echo pid:$$; wait';
const sessions = Number(process.argv[2] ?? 50);
const manager = await createSessionManager();
const trees = Array.from({ length: sessions }, () => {
  const session = manager.createSession({
    children: [
      {
        id: 'work',
        logic: fromProcess(),
        input: { command: 'sh', args: ['-c', SHELL], env: benchEnv },
      },
    ],
  });
  const pids = [];
  return new Promise((resolve) => {
    manager.getChild(session.id, 'work').on('process.output', ({ line }) => {
      if (line.startsWith('pid:')) pids.push(Number(line.slice(4)));
      if (pids.length === 3) resolve(pids);
    });
  });
});
process.stdout.write(`pids:${JSON.stringify((await Promise.all(trees)).flat())}\n`);
setInterval(() => {}, 1 << 30);
