/**
 * The page: a header, then the session table (with the live chart) or one
 * session's page, chosen by the URL fragment (`#token=…&session=<id>`).
 * The table's event stream stays open on a session's page too, so going
 * back is instant and the header's counts stay live.
 */
import { useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { createApi, readRoute, readToken } from './api.mjs';
import { LiveChart } from './chart.mjs';
import { html } from './html.mjs';
import { createListStore } from './listStore.mjs';
import { SessionPage } from './sessionPage.mjs';
import { SessionTable } from './table.mjs';

function useListStream(api) {
  const list = useMemo(createListStore, []);
  const [, redraw] = useReducer((n) => n + 1, 0);
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    const source = api.events();
    const on = (name, apply) =>
      source.addEventListener(name, (message) => {
        apply(JSON.parse(message.data));
        redraw();
      });
    on('reset', list.reset);
    on('changes', list.changes);
    on('stats', list.sample);
    source.onopen = () => setStatus('live');
    // EventSource retries on its own; CLOSED means it gave up (a 401: a new server, a new token).
    source.onerror = () =>
      setStatus(source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting');
    return () => source.close();
  }, [api, list]);
  return { list: list.store, status };
}

function useRoute() {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const update = () => setRoute(readRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function App() {
  const token = useMemo(readToken, []);
  if (!token) {
    return html`<main class="problem">
      <h1>No token</h1>
      <p>Open the address the dashboard printed: it ends with <code>#token=…</code>.</p>
    </main>`;
  }
  return html`<${Dashboard} token=${token} />`;
}

function Dashboard({ token }) {
  const api = useMemo(() => createApi(token), [token]);
  const { list, status } = useListStream(api);
  const route = useRoute();
  return html`
    <header class="top">
      <a class="brand" href=${`#token=${encodeURIComponent(token)}`}>xstate-otp</a>
      <span class="source" title="What this dashboard shows">${list.title}</span>
      ${list.readOnly ? html`<span class="badge readonly">read-only journal</span>` : null}
      <span class=${`connection ${status}`} data-status=${status}>${status}</span>
    </header>
    ${
      route === undefined
        ? html`<main>
            <${LiveChart} stats=${list.stats} />
            <${SessionTable} list=${list} version=${list.version} token=${token} />
          </main>`
        : html`<${SessionPage} key=${route} id=${route} api=${api} token=${token} readOnly=${list.readOnly} />`
    }
  `;
}
