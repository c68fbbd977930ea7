/**
 * One session's page: its view, actions, supervision tree, live statecharts,
 * recent events, process output and journal records, fed by
 * `/api/events?session=<id>` (the full detail first, then what changed).
 *
 * A durable session shows its attempt ("2 (resumed from host-a)"). In the
 * journal, a `resumed` record reads "attempt 2 on host-b, from host-a", and a
 * run of consecutive `checkpoint` records is one row (how many, and each
 * child's latest state): a durable session checkpoints on every state
 * change, which would otherwise push every other record out of view.
 */
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { routeHash, sessionPath } from './api.mjs';
import { useConfirm } from './confirm.mjs';
import { clockTime, duration, isEnded } from './format.mjs';
import { html } from './html.mjs';
import { LongText } from './longText.mjs';
import { Statechart } from './statechart.mjs';
import { StateBadge } from './table.mjs';
import { SupervisionTree } from './tree.mjs';

const MAX_EVENTS = 300;
const MAX_LINES = 1000;

/** Journal records the page keeps (the stream sends the latest ones, then those appended). */
const MAX_RECORDS = 100;

/** Applies a `session` message: the full detail, or what changed (absent fields are unchanged). */
function merge(detail, data) {
  if (data.full || !detail) {
    return { ...data, clockOffset: data.now - Date.now() };
  }
  const next = { ...detail, now: data.now, clockOffset: data.now - Date.now() };
  for (const field of ['view', 'local', 'tree']) if (field in data) next[field] = data[field];
  if (data.machines) {
    const previous = new Map(detail.machines.map((machine) => [machine.id, machine]));
    next.machines = data.machines.map((machine) => ({
      ...machine,
      statechart: machine.statechart ?? previous.get(machine.id)?.statechart,
    }));
  }
  if (data.events) next.events = [...detail.events, ...data.events].slice(-MAX_EVENTS);
  if (data.output) next.output = [...detail.output, ...data.output].slice(-MAX_LINES);
  if (data.journal) {
    // `journalReplace`: the server left older new records out; these are the journal's tail.
    const kept = data.journalReplace ? [] : (detail.journal ?? []);
    next.journal = [...kept, ...data.journal].slice(-MAX_RECORDS);
    next.journalTotal = data.journalTotal;
  }
  return next;
}

function useSessionStream(api, id) {
  const [state, dispatch] = useReducer(
    (current, action) =>
      action.type === 'session'
        ? { detail: merge(current.detail, action.data), gone: false }
        : { ...current, gone: true },
    { detail: undefined, gone: false },
  );
  useEffect(() => {
    const source = api.events(`&session=${encodeURIComponent(id)}`);
    source.addEventListener('session', (message) =>
      dispatch({ type: 'session', data: JSON.parse(message.data) }),
    );
    source.addEventListener('gone', () => dispatch({ type: 'gone' }));
    source.onerror = () => {
      // A 404 (unknown id) closes the stream for good; say so instead of retrying.
      if (source.readyState === EventSource.CLOSED) dispatch({ type: 'gone' });
    };
    return () => source.close();
  }, [api, id]);
  return state;
}

function Field({ name, children }) {
  return html`<div class="field"><dt>${name}</dt><dd>${children}</dd></div>`;
}

function Output({ lines }) {
  const box = useRef(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length, follow]);
  if (lines.length === 0) return html`<p class="muted">No output yet.</p>`;
  return html`<pre
    class="output"
    ref=${box}
    onScroll=${(event) => {
      const element = event.currentTarget;
      setFollow(element.scrollTop + element.clientHeight >= element.scrollHeight - 4);
    }}
  >${lines.map(
    (line) =>
      html`<span class=${`line ${line.stream}`} key=${line.seq}><span class="who">${line.child}</span>${line.line}</span>`,
  )}</pre>`;
}

function Events({ events }) {
  if (events.length === 0) {
    return html`<p class="muted">No events yet: they are recorded while this page is open.</p>`;
  }
  return html`<table class="events">
    <thead><tr><th>Time</th><th>To</th><th>From</th><th>Event</th><th>Data</th></tr></thead>
    <tbody>
      ${[...events].reverse().map(
        (event) => html`<tr key=${event.seq} data-event=${event.type}>
          <td class="time">${clockTime(event.at)}</td>
          <td>${event.target}</td>
          <td>${event.source ?? ''}</td>
          <td class="event-type">${event.type}</td>
          <td class="data"><${LongText} text=${event.data} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** `2 (resumed from host-a)`: a durable session's run, and where it came from. */
function attemptText(view) {
  if (view.attempt < 2) return String(view.attempt);
  return `${view.attempt} (resumed${view.resumedFrom ? ` from ${view.resumedFrom}` : ''})`;
}

const valueText = (value) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * The journal table's rows: one per record, except that consecutive
 * checkpoints make one row. `index` is the (last) record's place in the
 * session's journal, as the detail route numbers it.
 */
function journalRows(records, first) {
  const rows = [];
  records.forEach((record, i) => {
    const last = rows[rows.length - 1];
    if (record.type === 'checkpoint' && last?.checkpoints) {
      last.checkpoints.push(record);
      last.record = record;
      last.index = first + i;
      return;
    }
    rows.push({
      key: first + i,
      index: first + i,
      record,
      ...(record.type === 'checkpoint' ? { checkpoints: [record] } : {}),
    });
  });
  return rows;
}

/** A run of checkpoints: each child's latest state, and how many it wrote. */
function checkpointsText(checkpoints) {
  const byChild = new Map();
  for (const record of checkpoints) {
    const child = byChild.get(record.childId) ?? { count: 0 };
    child.count += 1;
    child.value = record.value;
    byChild.set(record.childId, child);
  }
  return [...byChild]
    .map(
      ([childId, { count, value }]) =>
        `${childId}: ${valueText(value)}${count > 1 ? ` (${count} checkpoints)` : ''}`,
    )
    .join('; ');
}

function JournalRow({ row, whole }) {
  const { record, index, checkpoints } = row;
  if (checkpoints) {
    const many = checkpoints.length > 1;
    return html`<tr data-record="checkpoint" data-count=${checkpoints.length}>
      <td class="time" title=${many ? `from ${clockTime(checkpoints[0].at)}` : ''}>${clockTime(record.at)}</td>
      <td>${many ? `checkpoint ×${checkpoints.length}` : 'checkpoint'}</td>
      <td class="data"><${LongText} text=${checkpointsText(checkpoints)} /></td>
    </tr>`;
  }
  const { type, at, sessionId: _, ...rest } = record;
  if (type === 'resumed') {
    return html`<tr data-record="resumed">
      <td class="time">${clockTime(at)}</td>
      <td>${type}</td>
      <td class="data">attempt ${rest.attempt} on ${rest.host}${rest.from ? `, from ${rest.from}` : ''}</td>
    </tr>`;
  }
  return html`<tr data-record=${type}>
    <td class="time">${clockTime(at)}</td>
    <td>${type}</td>
    <td class="data"><${LongText}
      text=${JSON.stringify(rest)}
      whole=${whole((d) => {
        const { type: _t, at: _a, sessionId: _s, ...full } = d.journal[index] ?? {};
        return JSON.stringify(full);
      })}
    /></td>
  </tr>`;
}

function Journal({ records, total, whole }) {
  if (records === null || records === undefined) {
    return html`<p class="muted">This dashboard's source keeps no journal.</p>`;
  }
  if (records.length === 0) return html`<p class="muted">Nothing journaled yet.</p>`;
  const first = (total ?? records.length) - records.length;
  return html`${
    first > 0
      ? html`<p class="muted">The latest ${records.length} of ${total} records; all of them are in <code>GET api/sessions/:id</code>.</p>`
      : null
  }<table class="journal">
    <thead><tr><th>Time</th><th>Record</th><th>Fields</th></tr></thead>
    <tbody>
      ${journalRows(records, first).map(
        (row) => html`<${JournalRow} key=${row.key} row=${row} whole=${whole} />`,
      )}
    </tbody>
  </table>`;
}

export function SessionPage({ id, api, token, readOnly }) {
  const { detail, gone } = useSessionStream(api, id);
  const [confirm, dialog] = useConfirm();
  // A cut field is fetched whole from the detail route, which is never cut (once per click).
  const whole = (pick) => async () => pick(await api.get(sessionPath(id)));
  const back = html`<a class="back" href=${routeHash(token)}>← all sessions</a>`;
  if (!detail) {
    return html`<main class="session">${back}
      <p class="muted">${gone ? `No session "${id}".` : 'Loading…'}</p></main>`;
  }
  const { view } = detail;
  const ended = isEnded(view.state);
  const canAct = !readOnly && !ended && detail.local;
  const actions = canAct
    ? {
        restart: (childId) =>
          confirm({
            title: `Restart child "${childId}" of session "${view.id}"?`,
            detail:
              'A running child is stopped as its shutdown says, then started again from its spec.',
            label: 'Restart',
            run: () =>
              api.post(sessionPath(view.id, `/children/${encodeURIComponent(childId)}/restart`)),
          }),
        terminate: (childId) =>
          confirm({
            title: `Terminate child "${childId}" of session "${view.id}"?`,
            detail: 'It is stopped and its spec kept: Restart starts it again.',
            label: 'Terminate',
            run: () =>
              api.post(sessionPath(view.id, `/children/${encodeURIComponent(childId)}/terminate`)),
          }),
      }
    : undefined;
  const terminate = () =>
    confirm({
      title: `Terminate session "${view.id}"?`,
      detail: 'Its children are shut down and it ends cancelled. This cannot be undone.',
      label: 'Terminate session',
      run: () =>
        api.post(sessionPath(view.id, '/terminate'), { reason: 'terminated from the dashboard' }),
    });
  const now = Date.now() + detail.clockOffset;
  return html`<main class="session" data-session=${view.id}>
    ${dialog}
    ${back}
    <div class="session-head">
      <h1><span class="session-id">${view.id}</span> <${StateBadge} state=${view.state} /></h1>
      ${
        canAct
          ? html`<button class="danger" data-action="terminate-session" onClick=${terminate}>
              Terminate session
            </button>`
          : null
      }
    </div>
    ${gone ? html`<p class="problem">This session has left the dashboard.</p>` : null}
    <dl class="fields">
      ${
        typeof view.metadata?.title === 'string'
          ? html`<${Field} name="Title"><${LongText}
              text=${view.metadata.title}
              whole=${whole((d) => d.view.metadata?.title)}
            /><//>`
          : null
      }
      <${Field} name="Outcome">${view.outcome ?? '—'}<//>
      ${
        view.reason
          ? html`<${Field} name="Reason"><${LongText} text=${view.reason} whole=${whole((d) => d.view.reason)} /><//>`
          : null
      }
      <${Field} name="Host">${view.host ?? (detail.local ? 'this host' : '—')}<//>
      <${Field} name="Created">${new Date(view.createdAt).toLocaleString()}<//>
      <${Field} name=${ended ? 'Ran' : 'Age'}>${duration((view.endedAt ?? now) - view.createdAt)}<//>
      <${Field} name="Restarts">${view.restarts}<//>
      ${view.attempt === undefined ? null : html`<${Field} name="Attempt">${attemptText(view)}<//>`}
      <${Field} name="Workspace">
        ${
          view.workspace
            ? html`<span class="path">${view.workspace.path}</span>
                ${view.workspace.branch ? html` on branch <span class="branch">${view.workspace.branch}</span>` : null}
                ${view.workspace.kept === true ? ' (kept)' : view.workspace.kept === false ? ' (removed)' : null}`
            : '—'
        }
      <//>
    </dl>
    ${
      view.metadata
        ? html`<details class="metadata"><summary>Metadata</summary>
            <pre><${LongText}
              text=${JSON.stringify(view.metadata, null, 2)}
              limit=${2000}
              whole=${whole((d) => JSON.stringify(d.view.metadata, null, 2))}
            /></pre></details>`
        : null
    }
    <section>
      <h2>Supervision tree</h2>
      <${SupervisionTree}
        tree=${detail.tree}
        actions=${actions}
        clockOffset=${detail.clockOffset}
        ended=${ended}
        local=${detail.local}
      />
    </section>
    <section>
      <h2>Statecharts</h2>
      <div class="statecharts">
        ${detail.machines.map(
          (machine) =>
            html`<${Statechart}
              key=${machine.id}
              name=${machine.id}
              text=${machine.statechart}
              active=${machine.active}
            />`,
        )}
      </div>
    </section>
    ${
      readOnly
        ? html`<section>
            <h2>Events and output</h2>
            <p class="muted">A journal keeps neither: they are shown live, by a dashboard on the host.</p>
          </section>`
        : html`<section>
              <h2>Recent events</h2>
              <${Events} events=${detail.events} />
            </section>
            <section>
              <h2>Output</h2>
              <${Output} lines=${detail.output} />
            </section>`
    }
    <section>
      <h2>Journal</h2>
      <${Journal} records=${detail.journal} total=${detail.journalTotal} whole=${whole} />
    </section>
  </main>`;
}
