/**
 * Summarises a V8 profile. A CPU profile: where the time goes, by package and
 * by function, self time and total (inclusive) time. A heap profile: which
 * allocation sites hold the memory still live when it was written.
 *
 *   BENCH_TASK=session node --expose-gc --cpu-prof --cpu-prof-dir=bench/.prof \
 *     bench/lib/child.mjs churn --quick
 *   node --expose-gc --heap-prof --heap-prof-interval=4096 --heap-prof-dir=bench/.prof \
 *     bench/heap-sessions.mjs 10000
 *   node bench/profile.mjs bench/.prof/<file> [--top 25] [--filter '[xstate-otp]']
 *
 * (`BENCH_TASK` makes a comparison run one side only, see lib/measure.mjs.)
 * Total time counts each function once per sample, so recursion does not
 * inflate it. `--filter` keeps the rows whose package, name or file contains
 * the text.
 */
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile.mjs <file> [--top N] [--filter text]');
  process.exit(2);
}
const option = (name, fallback) => {
  const index = rest.indexOf(`--${name}`);
  return index >= 0 ? rest[index + 1] : fallback;
};
const top = Number(option('top', 25));
const filter = option('filter', undefined);

/** Where a frame's code lives: our package, xstate, another dependency, Node itself. */
function area(url) {
  if (!url) return '(vm)';
  const dependency = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dependency) return dependency[1];
  if (url.includes('/dist/')) return 'xstate-otp';
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/bench/')) return 'bench';
  return url;
}

function keyOf({ callFrame: { functionName, url, lineNumber } }) {
  const where = url ? ` ${url.split('/').at(-1)}:${lineNumber + 1}` : '';
  return `[${area(url)}] ${functionName || '(anonymous)'}${where}`;
}

/** A Map of sums, printed largest first as a share of `whole`. */
function tally() {
  const sums = new Map();
  return {
    add: (key, amount) => sums.set(key, (sums.get(key) ?? 0) + amount),
    print(title, whole, format) {
      console.log(`\n${title}`);
      const rows = [...sums].filter(([key]) => !filter || key.includes(filter));
      for (const [key, amount] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) {
        const share = `${((100 * amount) / whole).toFixed(1)}%`.padStart(6);
        console.log(`${share} ${format(amount).padStart(11)}  ${key}`);
      }
    },
  };
}

function summariseCpu(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const [byArea, self, total] = [tally(), tally(), tally()];
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // the time until the next sample
    const leaf = nodes.get(profile.samples[i]);
    sampled += ms;
    self.add(keyOf(leaf), ms);
    // GC, idle and the like are V8 pseudo-frames without a URL: keep their names.
    const where = area(leaf.callFrame.url);
    byArea.add(where === '(vm)' ? leaf.callFrame.functionName : where, ms);
    const seen = new Set();
    for (let id = leaf.id; id !== undefined; id = parents.get(id)) {
      const key = keyOf(nodes.get(id));
      if (!seen.has(key)) total.add(key, ms);
      seen.add(key);
    }
  }
  const format = (ms) => `${ms.toFixed(0)} ms`;
  console.log(`${file}: ${format(sampled)} sampled`);
  byArea.print('Self time by package', sampled, format);
  self.print('Top self time', sampled, format);
  total.print('Top total time', sampled, format);
}

function summariseHeap(profile) {
  const [byArea, self, total] = [tally(), tally(), tally()];
  let live = 0;
  const walk = (node, stack) => {
    const key = keyOf(node);
    const path = [...stack, key];
    if (node.selfSize > 0) {
      live += node.selfSize;
      self.add(key, node.selfSize);
      byArea.add(area(node.callFrame.url), node.selfSize);
      for (const frame of new Set(path)) total.add(frame, node.selfSize);
    }
    for (const child of node.children ?? []) walk(child, path);
  };
  walk(profile.head, []);
  const format = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(`${file}: ${format(live)} live in sampled allocations`);
  byArea.print('Live memory by package of the allocating function', live, format);
  self.print('Top allocation sites (self)', live, format);
  total.print('Top allocating call paths (total)', live, format);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
if (profile.head) summariseHeap(profile);
else summariseCpu(profile);
