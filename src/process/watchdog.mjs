/**
 * The host watchdog: a small process that outlives its host just long enough
 * to kill what the host left running. `hostWatchdog.ts` starts one per host,
 * the first time the host spawns a process; users never run it themselves.
 *
 *   node watchdog.mjs <host marker value>      (stdin: a pipe from the host)
 *
 * The host holds the only write end of the pipe on the watchdog's stdin, and
 * tells it, one line each, the process groups it leads (`+<pgid>`) and those
 * that are gone (`-<pgid>`). The watchdog does nothing until the pipe closes.
 * The kernel closes it when the host dies, however it dies (SIGKILL, the OOM
 * killer, a crash, a normal exit), and a stopped host keeps it open. Then the
 * watchdog SIGKILLs:
 *
 * - every process group it was told about (the only part that works without
 *   `/proc`, on macOS);
 * - on Linux, every process whose environment carries `XSTATE_OTP_HOST=<the
 *   host's value>`, wherever it is (a daemon that called `setsid` keeps its
 *   environment), and their descendants by parent pid (one that scrubbed its
 *   environment);
 *
 * looks again until none is left (a process may fork while it is killed),
 * and exits. It SIGKILLs at once: a dead host cannot wait out a grace, and
 * its processes must be gone within a second.
 *
 * It ignores SIGINT, SIGTERM and SIGHUP, which are meant for its host (a
 * service manager signals every process of the service): it ends when its
 * host does, and only then. Plain JavaScript, so it runs from the sources and
 * from the built package alike; it reuses the `/proc` reader and the marker
 * walk, which import nothing at run time (the sources need Node >= 22.18,
 * which strips their types).
 */

const hostValue = process.argv[2];
if (!hostValue) {
  process.stderr.write('usage: node watchdog.mjs <host marker value>\n');
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

/** A sibling module: the built `.js`, or in the sources the `.ts` file. */
async function sibling(name) {
  try {
    return await import(`./${name}.js`);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import(`./${name}.ts`);
  }
}

const [procfs, markers] = await Promise.all([sibling('procfs'), sibling('markers')]);
const hostMarker = { name: markers.HOST_MARKER_ENV, value: hostValue };

// After SIGKILL a process survives only while stuck in an uninterruptible
// kernel call: give up on it after a while rather than stay around.
const SIGKILL_PATIENCE_MS = 2000;
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 50;

const groups = new Set();
let pending = '';
let swept = false;

process.stdin.setEncoding('latin1');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
// End of file: the host is gone. An error on the pipe means the same.
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);

async function sweep() {
  if (swept) return;
  swept = true;
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // The group is empty.
    }
  }
  const found = new Set();
  const giveUpAt = Date.now() + SIGKILL_PATIENCE_MS;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const table = procfs.readProcessTable(markers.scannedMarkers(markers.HOST_MARKER_ENV), {
      parents: true,
    });
    if (!table) break;
    const members = markers.treeMembers(table, hostMarker);
    for (const pid of members) {
      markers.signalPid(pid, 'SIGKILL');
      found.add(pid);
    }
    // Killed, a process loses its environment before it is a zombie: it is
    // gone only once it has left that state too.
    const leaving = members.length === 0 ? procfs.exitingProcesses(found) : [];
    if (members.length === 0 && leaving.length === 0) break;
    if (Date.now() >= giveUpAt) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
  process.exit(0);
}
