/**
 * The host watchdog: a small process that outlives its host just long enough
 * to kill what the host left running. `hostWatchdog.ts` starts one per host,
 * the first time the host spawns a process; users never run it themselves.
 *
 *   node watchdog.mjs <host marker value>      (stdin: a pipe from the host)
 *
 * The host holds the only write end of the pipe on the watchdog's stdin, and
 * tells it, one line each, the process groups it leads (`+<pgid>`), those
 * that are gone (`-<pgid>`), and its lease deadline (`d<ms>`; `d0`: none). The
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
 * A stopped host (SIGSTOP) keeps the pipe open. Without a lease deadline
 * (one host on its own journal: nothing takes its sessions over) its
 * processes live on with it. In cluster mode the host tells its lease
 * deadline at each renewal that lands: in ms on the machine's monotonic clock
 * (`process.hrtime`, CLOCK_MONOTONIC on Linux: the host's clock too, see
 * `ground/monotonic.ts`), the moment by which the host fences itself, before
 * any survivor may take its sessions over. A stopped host cannot renew. So
 * once the deadline has passed (a timer at the deadline, then a read every
 * 50 ms until a new one comes), the watchdog reads the host's state in
 * `/proc/<pid>/stat`, and if it is stopped (`T` or `t`), runs the same sweep
 * without exiting: two copies of a session's agent must not work at once.
 * The host itself is left stopped; continued, it fences itself by the same
 * deadline. The watchdog sweeps again only after the host has run and been
 * stopped anew. While the host renews, the watchdog only moves its timer.
 * Without `/proc` (macOS) there is no such sweep.
 *
 *   d2293190      (the host's lease lapses at 2 293 190 ms, monotonic)
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
// How often a host past its lease deadline, still running, is looked at
// again (it may be stopped next; a running host fences itself).
const PAST_DEADLINE_POLL_MS = 50;
// Node clamps longer timeouts to 1 ms.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const groups = new Set();
let pending = '';
let dying = false;
// The host started this watchdog, so it is the parent (captured now: once the
// host dies, this process is re-parented, and the pipe has closed anyway).
const hostPid = process.ppid;
/** The host's lease deadline (`d<ms>`, monotonic ms; 0: none). */
let leaseDeadline = 0;
/** Until the deadline, then every PAST_DEADLINE_POLL_MS until a new one. */
let deadlineTimer;
/** The host's context switches at the last sweep: they move only if it runs. */
let sweptSwitches;

/** The machine's monotonic clock in ms, as the host reads it (`monotonicNowMs`). */
const monotonicNowMs = () => Number(process.hrtime.bigint()) / 1e6;

process.stdin.setEncoding('latin1');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const value = Number(line.slice(1));
    if (line[0] === 'd') {
      if (Number.isInteger(value) && value >= 0) setLeaseDeadline(value);
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
  setLeaseDeadline(0);
  await killHostProcesses();
  process.exit(0);
}

function setLeaseDeadline(ms) {
  leaseDeadline = ms;
  clearTimeout(deadlineTimer);
  deadlineTimer = undefined;
  if (ms === 0 || dying) return;
  atDeadline();
}

/** Waits for the deadline; past it, sweeps a stopped host, or looks again soon. */
function atDeadline() {
  const left = leaseDeadline - monotonicNowMs();
  // A timer may fire up to a ms early by this clock: strictly after, always.
  if (left >= 0) return wake(Math.min(MAX_TIMEOUT_MS, Math.floor(left) + 1));
  wake(PAST_DEADLINE_POLL_MS);
  const state = procfs.readRunState(hostPid);
  if (!state?.stopped) return;
  // Continued and stopped again since the last sweep: it ran (its context
  // switches moved), so this is another pause, swept in turn.
  if (state.switches === sweptSwitches) return;
  // Stopped past its deadline: its lease is lost, a survivor may soon run its
  // sessions. Its processes go now; the host itself is left alone (it fences
  // itself when continued) and so is this watchdog.
  sweptSwitches = state.switches;
  // Should the host be continued meanwhile, what it starts then is its own.
  void killHostProcesses(() => {
    const now = procfs.readRunState(hostPid);
    return now?.stopped === true && now.switches === state.switches;
  });
}

function wake(ms) {
  deadlineTimer = setTimeout(atDeadline, ms);
  // The pipe keeps this process alive; the timer must not once the pipe closes.
  deadlineTimer.unref();
}

/**
 * SIGKILLs every process group the host leads and every process carrying its
 * marker (and their descendants), looking again until none is left, or
 * SIGKILL_PATIENCE_MS has passed, or `goOn` says to stop. The host itself
 * carries no marker of its own: it is never among them. One sweep for both
 * cases: the host died, or it is stopped past its lease deadline.
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
