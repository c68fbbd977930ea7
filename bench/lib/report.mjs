/**
 * Result rows and the one table `npm run bench` prints.
 *
 * A row compares our figure with a baseline measured in the same run. The
 * ratio is always ours ÷ baseline in the row's unit; the target says which
 * way is good (a cost must stay under a bound, a rate above one).
 */

/**
 * @param {object} r
 * @param {string} r.scenario
 * @param {number} r.ours
 * @param {number} [r.baseline]
 * @param {string} r.unit
 * @param {string} [r.baselineName] what the baseline is, for the JSON output
 * @param {{ ratioMax?: number, ratioMin?: number, oursMax?: number, oursMin?: number }} r.target
 * @param {object} [r.details] extra figures for the JSON output and PERFORMANCE.md
 * @param {string} [r.failure] a reason the row fails whatever the figures (a leaked process)
 */
export function row({ scenario, ours, baseline, unit, baselineName, target, details, failure }) {
  const ratio = baseline === undefined ? undefined : ours / baseline;
  const checks = [
    target.ratioMax === undefined || ratio <= target.ratioMax,
    target.ratioMin === undefined || ratio >= target.ratioMin,
    target.oursMax === undefined || ours <= target.oursMax,
    target.oursMin === undefined || ours >= target.oursMin,
  ];
  return {
    scenario,
    ours,
    baseline,
    unit,
    ratio,
    target: { ...target, text: targetText(target, unit) },
    pass: checks.every(Boolean) && !failure,
    ...(failure ? { failure } : {}),
    ...(baselineName ? { baselineName } : {}),
    ...(details ? { details } : {}),
  };
}

function targetText(target, unit) {
  const parts = [];
  if (target.ratioMax !== undefined) parts.push(`≤ ${target.ratioMax}x`);
  if (target.ratioMin !== undefined) parts.push(`≥ ${target.ratioMin}x`);
  if (target.oursMax !== undefined) parts.push(`≤ ${formatNumber(target.oursMax)} ${unit}`);
  if (target.oursMin !== undefined) parts.push(`≥ ${formatNumber(target.oursMin)} ${unit}`);
  return parts.join(', ');
}

/** Three significant digits, with k/M for big numbers. */
export function formatNumber(value) {
  if (value === undefined || Number.isNaN(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/** The results as a fixed-width text table. */
export function formatTable(rows) {
  const header = ['scenario', 'ours', 'baseline', 'unit', 'ratio', 'target', 'result'];
  const lines = rows.map((r) => [
    r.scenario,
    formatNumber(r.ours),
    formatNumber(r.baseline),
    r.unit,
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target.text,
    r.pass ? 'pass' : r.failure ? `FAIL: ${r.failure}` : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const rightAligned = new Set([1, 2, 4]);
  const format = (cells) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join(
    '\n',
  );
}
