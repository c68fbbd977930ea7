/**
 * The host takes its processes with it.
 *
 * Every live process tree is tracked here. While at least one is, the host
 * has these listeners (and none otherwise, so an idle runtime changes nothing
 * about how the host handles signals):
 *
 * - `exit` (a normal end, `process.exit()`, an uncaught exception): SIGKILL
 *   every tree, synchronously, since no timer runs after `exit`.
 * - `SIGTERM`, `SIGINT`, `SIGHUP`: if nobody else listens for the signal, the
 *   host is about to die of it: SIGKILL every tree, then remove our listeners
 *   and re-raise the signal, so the host dies exactly as it would have
 *   (exit status 128+n, as seen by its parent). If the application has its own
 *   listener, the application owns shutdown: we do nothing, so a graceful
 *   `manager.stop()` in that listener is not raced by our kill (which would
 *   look like crashes and trigger restarts); the `exit` listener still kills
 *   whatever is left when the host finally exits.
 *
 * Listeners of the `signal-exit` package (installed by execa's `cleanup`
 * option elsewhere in the application) do not count as the application's:
 * they stand aside for us, and re-raise themselves after we do.
 *
 * A host killed by SIGKILL runs nothing: its watchdog, another process,
 * kills its processes then (see `hostWatchdog.ts`). Each tracked tree's
 * process group is told to it, and forgotten once the tree is gone.
 */
import { unwatchGroup, watchGroup } from './hostWatchdog.js';
import { killTreesSync, type ProcessTree } from './processTree.js';

const live = new Set<ProcessTree>();

const SIGNALS: readonly NodeJS.Signals[] =
  process.platform === 'win32' ? ['SIGTERM', 'SIGINT'] : ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Starts tracking a tree until it is gone. */
export function trackProcessTree(tree: ProcessTree): void {
  if (tree.finished || live.has(tree)) return;
  live.add(tree);
  watchGroup(tree.pid);
  if (live.size === 1) install();
  void tree.gone.then(() => untrack(tree));
}

/** How many process trees are alive (for tests and diagnostics). */
export function liveProcessTreeCount(): number {
  return live.size;
}

/**
 * Resolves once no process tree is alive (trees started meanwhile are
 * awaited too). For a runtime's `stop()`: actors stopped abruptly end at once,
 * their processes only after the kill.
 */
export async function processTreesGone(): Promise<void> {
  while (live.size > 0) await Promise.all([...live].map((tree) => tree.gone));
}

function untrack(tree: ProcessTree): void {
  if (!live.delete(tree)) return;
  unwatchGroup(tree.pid);
  if (live.size === 0) uninstall();
}

function onExit(): void {
  killTreesSync(live);
}

function onSignal(signal: NodeJS.Signals): void {
  const others = process.listenerCount(signal) - 1 - signalExitListeners();
  if (others > 0) return;
  killTreesSync(live);
  uninstall();
  process.kill(process.pid, signal);
}

/** How many listeners per signal belong to `signal-exit` (v4 keeps a global count; v3 a process one). */
function signalExitListeners(): number {
  const globalEmitter = (globalThis as Record<symbol, unknown>)[Symbol.for('signal-exit emitter')];
  const processEmitter = (process as unknown as Record<string, unknown>).__signal_exit_emitter__;
  return countOf(globalEmitter) + countOf(processEmitter);
}

function countOf(emitter: unknown): number {
  const count = (emitter as { count?: unknown } | undefined)?.count;
  return typeof count === 'number' ? count : 0;
}

function install(): void {
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  process.removeListener('exit', onExit);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}
