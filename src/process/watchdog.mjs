/**
 * The host watchdog: a small process that outlives its host just long enough
 * to kill what the host left running. `hostWatchdog.ts` starts one per host,
 * the first time the host spawns a process; users never run it themselves.
 *
 *   node watchdog.mjs <host marker value>      (stdin: a pipe from the host)
 *
 * The host holds the only write end of the pipe on the watchdog's stdin, and
 * tells it, one line each, the process groups it leads (`+<pgid>`), those
 * that are gone (`-<pgid>`), and its pause bound (`p<ms>`; `p0`: none). The
 * kernel closes the pipe when the host dies, however it dies (SIGKILL, the
 * OOM killer, a crash, a normal exit). Then the watchdog SIGKILLs:
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
 * A stopped host (SIGSTOP) keeps the pipe open. Without a pause bound (one
 * host on its own journal: nothing takes its sessions over) its processes
 * live on with it. With one (cluster mode: the host's `leaseMs`), the
 * watchdog reads the host's state in `/proc/<pid>/stat` every quarter of the
 * bound (50-250 ms), and once it has seen the host stopped (`T` or `t`)
 * continuously for longer than the bound, it runs the same sweep without
 * exiting: the host has lost its lease, a survivor may be running its
 * sessions, and two copies of a session's agent must not work at once. The
 * host itself is left stopped; continued, it fences itself. The watchdog
 * sweeps again only after the host has run and been stopped anew. Without
 * `/proc` (macOS) there is no such sweep.
 *
 *   p10000        (the host's lease is 10 s)
 *   +4242         (it leads process group 4242)
 *   -4242         (that group is gone)
 *
 * Once it reads its pipe, it names itself `xstate-otp-watchdog` (what `ps`
 * shows). It ignores SIGINT, SIGTERM and SIGHUP, which are meant for its host (a
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
// How often a host is looked at while a pause bound is set.
const MIN_PAUSE_POLL_MS = 50;
const MAX_PAUSE_POLL_MS = 250;

const groups = new Set();
let pending = '';
let dying = false;
// The host started this watchdog, so it is the parent (captured now: once the
// host dies, this process is re-parented, and the pipe has closed anyway).
const hostPid = process.ppid;
/** The pause bound (`p<ms>`; 0: none). */
let pauseBoundMs = 0;
let pollTimer;
/** When a poll first saw the host stopped, in this pause; undefined while it runs. */
let stoppedSince;
/** The host's context switches then: they move only if it runs. */
let stoppedSwitches;
/** This pause was swept: the next sweep waits until the host has run again. */
let sweptThisPause = false;

process.stdin.setEncoding('latin1');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const value = Number(line.slice(1));
    if (line[0] === 'p') {
      if (Number.isInteger(value) && value >= 0) setPauseBound(value);
      continue;
    }
    if (!Number.isInteger(value) || value <= 1) continue;
    if (line[0] === '+') groups.add(value);
    else if (line[0] === '-') groups.delete(value);
  }
});
// End of file: the host is gone. An error on the pipe means the same.
process.stdin.on('end', onHostGone);
process.stdin.on('error', onHostGone);
// Ready: `ps` (and a test waiting for it) sees what this process is from now on.
process.title = 'xstate-otp-watchdog';

async function onHostGone() {
  if (dying) return;
  dying = true;
  setPauseBound(0);
  await killHostProcesses();
  process.exit(0);
}

function setPauseBound(ms) {
  pauseBoundMs = ms;
  clearInterval(pollTimer);
  pollTimer = undefined;
  stoppedSince = undefined;
  if (ms === 0 || dying) return;
  // A quarter of the bound, within 50-250 ms: one small `/proc` read a poll.
  const pollMs = Math.min(MAX_PAUSE_POLL_MS, Math.max(MIN_PAUSE_POLL_MS, Math.round(ms / 4)));
  pollTimer = setInterval(pollHost, pollMs);
  // The pipe keeps this process alive; the timer must not once the pipe closes.
  pollTimer.unref();
}

function pollHost() {
  const state = procfs.readRunState(hostPid);
  if (!state?.stopped) {
    stoppedSince = undefined;
    return;
  }
  const now = performance.now();
  // Continued and stopped again between two polls: the same state, but it
  // ran (its context switches moved), so this is another pause.
  if (stoppedSince === undefined || state.switches !== stoppedSwitches) {
    stoppedSince = now;
    stoppedSwitches = state.switches;
    sweptThisPause = false;
  }
  if (sweptThisPause || now - stoppedSince < pauseBoundMs) return;
  // Stopped for longer than the bound: its lease is lost, a survivor may run
  // its sessions. Its processes go now; the host itself is left alone (it
  // fences itself when continued) and so is this watchdog.
  sweptThisPause = true;
  // Should the host be continued meanwhile, what it starts then is its own.
  void killHostProcesses(() => {
    const now = procfs.readRunState(hostPid);
    return now?.stopped === true && now.switches === stoppedSwitches;
  });
}

/**
 * SIGKILLs every process group the host leads and every process carrying its
 * marker (and their descendants), looking again until none is left, or
 * SIGKILL_PATIENCE_MS has passed, or `goOn` says to stop. The host itself
 * carries no marker of its own: it is never among them. One sweep for both
 * cases: the host died, or it has been stopped for longer than its bound.
 */
async function killHostProcesses(goOn = () => true) {
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
    if (!goOn()) return;
    const table = procfs.readProcessTable(markers.scannedMarkers(markers.HOST_MARKER_ENV), {
      parents: true,
    });
    if (!table) return;
    const members = markers.treeMembers(table, hostMarker);
    for (const pid of members) {
      markers.signalPid(pid, 'SIGKILL');
      found.add(pid);
    }
    // Killed, a process loses its environment before it is a zombie: it is
    // gone only once it has left that state too.
    const leaving = members.length === 0 ? procfs.exitingProcesses(found) : [];
    if (members.length === 0 && leaving.length === 0) return;
    if (Date.now() >= giveUpAt) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}
