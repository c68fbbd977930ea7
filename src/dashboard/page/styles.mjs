/** The page's styles, adopted as a constructed stylesheet by `main.mjs`. */

const STATES = [
  'starting',
  'running',
  'stopping',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
];
/** Per-state colours, after the badges' base rule so they win. */
const stateColours = STATES.map(
  (s) =>
    `.series-${s} { stroke: var(--${s}); background: var(--${s}); } .state-${s} { background: var(--${s}); }`,
).join('\n');
export const css = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7280; --line: #e3e6eb;
  --accent: #3b5bdb; --danger: #c92a2a;
  --starting: #748ffc; --running: #228be6; --stopping: #f59f00; --completed: #2f9e44;
  --failed: #e03131; --cancelled: #868e96; --timed_out: #e8590c; --interrupted: #9c36b5;
  font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 14px; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .id, .session-id, .path, .branch, .key, .data, .output { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; }
button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
button.danger { color: #fff; background: var(--danger); border-color: var(--danger); }
header.top { display: flex; gap: 14px; align-items: center; padding: 10px 18px; background: #1d2330; color: #e9ecef; }
header.top .brand { color: #fff; font-weight: 700; }
header.top .source { color: #adb5bd; font-family: ui-monospace, monospace; font-size: 12px; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.connection { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #495057; }
.connection.live { background: #2b8a3e; }
.badge.readonly { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #e67700; color: #fff; }
main { padding: 16px 18px; max-width: 1400px; margin: 0 auto; }
.loading, .muted { color: var(--muted); }
.problem { color: var(--danger); }
.charts { display: flex; gap: 16px; flex-wrap: wrap; margin-bottom: 14px; }
.chart { flex: 1 1 420px; margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.chart figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.chart svg { width: 100%; height: 110px; display: block; }
.chart .axis { stroke: var(--line); }
.chart .tick { font-size: 10px; fill: var(--muted); }
.chart .series { fill: none; stroke-width: 2; }
.chart .bar { fill: var(--stopping); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 10px; padding: 0; margin: 4px 0 0; font-size: 12px; color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.sessions { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.filters { display: flex; gap: 16px; align-items: center; padding: 10px 12px; border-bottom: 1px solid var(--line); }
.filters label { display: flex; gap: 6px; align-items: center; color: var(--muted); }
.filters select, .filters input { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 6px; }
.filters input { width: 240px; }
.filters .count { margin-left: auto; color: var(--muted); }
.sessions table { width: 100%; border-collapse: collapse; }
.sessions tr { display: grid; grid-template-columns: minmax(160px, 2fr) 110px 100px 110px 90px 80px 70px minmax(120px, 3fr); align-items: center; }
.sessions th, .sessions td { padding: 0 10px; text-align: left; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sessions th { font-weight: 600; color: var(--muted); font-size: 12px; height: 30px; line-height: 30px; }
.sessions .num { text-align: right; }
.table-head { border-bottom: 1px solid var(--line); padding-right: 12px; }
.viewport { height: calc(100vh - 330px); min-height: 240px; overflow-y: auto; position: relative; }
.rows { display: block; position: relative; }
.rows tbody { display: block; }
.rows tr.row { position: absolute; top: 0; left: 0; right: 0; height: 30px; border-bottom: 1px solid #f1f3f5; }
.rows tr.row:hover { background: #f8f9fb; }
.empty { padding: 18px; color: var(--muted); }
.state, .status { display: inline-block; color: #fff; font-size: 12px; line-height: 18px; padding: 0 8px; border-radius: 9px; background: var(--muted); }
${stateColours}
.status-running { background: var(--running); } .status-restarting { background: var(--stopping); } .status-stopped { background: var(--cancelled); }
.session .back { display: inline-block; margin-bottom: 8px; }
.session-head { display: flex; align-items: center; gap: 16px; }
.session-head h1 { font-size: 20px; margin: 0; flex: 1; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px 18px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; margin: 12px 0; }
.field dt { font-size: 12px; color: var(--muted); }
.field dd { margin: 2px 0 0; overflow-wrap: anywhere; }
.metadata pre { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px; overflow: auto; }
.session section { margin-top: 18px; }
.session h2 { font-size: 15px; margin: 0 0 8px; }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 18px; }
.tree { padding-left: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.tree li { margin: 4px 0; }
.node { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.node-id { font-weight: 600; }
.kind, .node-state, .restarts, .pid, .key { font-size: 12px; color: var(--muted); }
.backoff { font-size: 12px; color: var(--stopping); font-weight: 600; }
.node .actions { display: inline-flex; gap: 6px; margin-left: 8px; }
.node .actions button { padding: 1px 8px; font-size: 12px; }
.statecharts { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.statechart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px; min-width: 0; }
.statechart[data-machine='session'] { grid-column: 1 / -1; }
.statechart figcaption { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.statechart figcaption .name { font-weight: 600; flex: 1; }
.statechart .zoom { display: inline-flex; align-items: center; gap: 4px; font-size: 12px; }
.statechart .zoom button { font: inherit; padding: 1px 6px; border: 1px solid var(--line); border-radius: 4px; background: var(--panel); cursor: pointer; }
.statechart .zoom .scale { min-width: 3.5em; text-align: center; color: var(--muted); }
.statechart .diagram { overflow: auto; max-height: 75vh; cursor: grab; touch-action: none; }
.statechart .diagram.dragging { cursor: grabbing; user-select: none; }
.statechart svg { display: block; }
.statechart g.active-state:not(.statediagram-cluster) rect, .statechart g.active-state:not(.statediagram-cluster) path { fill: #ffe066 !important; stroke: #e67700 !important; stroke-width: 2px !important; }
.statechart g.active-state.statediagram-cluster > rect, .statechart g.active-state.statediagram-cluster > g > rect { stroke: #e67700 !important; stroke-width: 2.5px !important; }
table.events, table.journal { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; font-size: 12px; }
table.events th, table.events td, table.journal th, table.journal td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #f1f3f5; vertical-align: top; }
.long-text { overflow-wrap: anywhere; }
.long-text.whole { white-space: pre-wrap; }
button.link { background: none; border: none; padding: 0 2px; color: var(--accent); cursor: pointer; font: inherit; }
button.link:hover { text-decoration: underline; }
td.data { max-width: 600px; overflow-wrap: anywhere; color: #495057; }
td.time { white-space: nowrap; color: var(--muted); }
.event-type { font-weight: 600; }
.output { background: #101418; color: #dee2e6; border-radius: 8px; padding: 10px; max-height: 320px; overflow: auto; font-size: 12px; margin: 0; }
.output .line { display: block; white-space: pre-wrap; }
.output .stderr { color: #ffa8a8; }
.output .who { color: #74c0fc; margin-right: 8px; }
.overlay { position: fixed; inset: 0; background: rgba(15, 20, 30, .45); display: flex; align-items: center; justify-content: center; z-index: 10; }
.dialog { background: var(--panel); border-radius: 10px; padding: 18px 20px; max-width: 460px; box-shadow: 0 10px 30px rgba(0, 0, 0, .25); }
.dialog h2 { font-size: 16px; margin: 0 0 8px; overflow-wrap: anywhere; }
.dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 14px; }
`;
