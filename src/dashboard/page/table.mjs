/**
 * The session table: newest first, filtered by state and searched by id or
 * title, virtualised (only the rows in view, plus a margin, are in the
 * DOM), so ten thousand sessions scroll and update as fast as ten.
 *
 * "Attempt" is a durable session's run (1, plus one per resume), blank for a
 * session that is not durable: a resumed one stands out without a column
 * of ones for everything else.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { routeHash } from './api.mjs';
import { duration, isEnded, STATES } from './format.mjs';
import { html } from './html.mjs';

const ROW_HEIGHT = 30;
const OVERSCAN = 10;

function useNow(ms) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

function matches(row, state, search) {
  if (state !== '' && row.state !== state) return false;
  if (search === '') return true;
  return (
    row.id.toLowerCase().includes(search) || row.title?.toLowerCase().includes(search) === true
  );
}

export function StateBadge({ state }) {
  return html`<span class=${`state state-${state}`}>${state}</span>`;
}

function attemptTitle(attempt) {
  if (attempt === undefined) return 'not durable';
  if (attempt === 1) return 'durable: first run';
  return `durable: resumed ${attempt - 1} time${attempt === 2 ? '' : 's'}`;
}

function Row({ row, index, now, token }) {
  const end = row.endedAt ?? now;
  return html`<tr
    class="row"
    data-session=${row.id}
    style=${`transform: translateY(${index * ROW_HEIGHT}px)`}
  >
    <td class="id"><a href=${routeHash(token, row.id)}>${row.id}</a></td>
    <td><${StateBadge} state=${row.state} /></td>
    <td>${row.outcome ?? ''}</td>
    <td>${row.host ?? ''}</td>
    <td class="num" title=${isEnded(row.state) ? `ran ${duration(end - row.createdAt)}` : ''}>
      ${duration(now - row.createdAt)}
    </td>
    <td class="num" data-col="restarts">${row.restarts}</td>
    <td class="num" data-col="attempt" title=${attemptTitle(row.attempt)}>${row.attempt ?? ''}</td>
    <td class="title" title=${row.reason ?? ''}>${row.title ?? ''}</td>
  </tr>`;
}

export function SessionTable({ list, version, token }) {
  const [state, setState] = useState('');
  const [search, setSearch] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const viewport = useRef(null);
  const clock = useNow(1000);
  const now = clock + list.clockOffset;

  // Newest first. Recomputed when rows change (at most ten times a second) or the filter does.
  const visible = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const out = [];
    for (let i = list.order.length - 1; i >= 0; i--) {
      const row = list.rows.get(list.order[i]);
      if (row && matches(row, state, needle)) out.push(row);
    }
    return out;
  }, [version, state, search]);

  const counts = useMemo(() => {
    const byState = {};
    for (const row of list.rows.values()) byState[row.state] = (byState[row.state] ?? 0) + 1;
    return byState;
  }, [version]);

  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(visible.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      html`<${Row} key=${visible[i].id} row=${visible[i]} index=${i} now=${now} token=${token} />`,
    );
  }

  return html`<section class="sessions">
    <div class="filters">
      <label>
        State
        <select
          name="state"
          value=${state}
          onChange=${(event) => setState(event.currentTarget.value)}
        >
          <option value="">all (${list.rows.size})</option>
          ${STATES.map(
            (name) => html`<option value=${name}>${name} (${counts[name] ?? 0})</option>`,
          )}
        </select>
      </label>
      <label>
        Search
        <input
          name="search"
          type="search"
          placeholder="session id or title"
          value=${search}
          onInput=${(event) => setSearch(event.currentTarget.value)}
        />
      </label>
      <span class="count" data-count=${visible.length}>
        ${visible.length} of ${list.rows.size} sessions
      </span>
    </div>
    <div class="table-head">
      <table>
        <thead>
          <tr>
            <th class="id">Session</th>
            <th>State</th>
            <th>Outcome</th>
            <th>Host</th>
            <th class="num">Age</th>
            <th class="num">Restarts</th>
            <th class="num" title="a durable session's run: 1, plus one per resume">Attempt</th>
            <th class="title">Title</th>
          </tr>
        </thead>
      </table>
    </div>
    <div
      class="viewport"
      ref=${viewport}
      onScroll=${(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <table class="rows" style=${`height: ${visible.length * ROW_HEIGHT}px`}>
        <tbody>
          ${rows}
        </tbody>
      </table>
      ${visible.length === 0 ? html`<p class="empty">No sessions${state || search ? ' match' : ' yet'}.</p>` : null}
    </div>
  </section>`;
}
