/**
 * The supervision tree of one session: each actor with its kind, status,
 * state, restarts and, while a restart backoff waits, a countdown; the
 * children of the session's supervisor get restart and terminate buttons.
 */
import { useEffect, useState } from 'preact/hooks';
import { duration } from './format.mjs';
import { html } from './html.mjs';

function Countdown({ at, clockOffset }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, []);
  const left = at - (now + clockOffset);
  return html`<span class="backoff">restart in ${duration(Math.max(0, left))}</span>`;
}

function Node({ node, supervised, actions, clockOffset }) {
  return html`<li data-node=${node.id}>
    <div class="node">
      <span class="node-id">${node.id}</span>
      <span class="kind">${node.kind}</span>
      <span class=${`status status-${node.status}`}>${node.status}</span>
      ${node.state ? html`<span class="node-state">${node.state}</span>` : null}
      ${node.restarts !== undefined ? html`<span class="restarts">${node.restarts} restarts</span>` : null}
      ${node.pid !== undefined ? html`<span class="pid">pid ${node.pid}</span>` : null}
      ${node.key ? html`<span class="key">${node.key}</span>` : null}
      ${
        node.nextRestartAt !== undefined
          ? html`<${Countdown} at=${node.nextRestartAt} clockOffset=${clockOffset} />`
          : null
      }
      ${
        supervised && actions
          ? html`<span class="actions">
              <button data-action="restart" onClick=${() => actions.restart(node.id)}>Restart</button>
              <button
                data-action="terminate-child"
                disabled=${node.status === 'stopped'}
                onClick=${() => actions.terminate(node.id)}
              >Terminate</button>
            </span>`
          : null
      }
    </div>
    ${
      node.children.length > 0
        ? html`<ul>
            ${node.children.map(
              (child) =>
                html`<${Node}
                  key=${child.id}
                  node=${child}
                  supervised=${node.key?.startsWith('session_supervisor:')}
                  actions=${actions}
                  clockOffset=${clockOffset}
                />`,
            )}
          </ul>`
        : null
    }
  </li>`;
}

export function SupervisionTree({ tree, actions, clockOffset, ended, local }) {
  if (!tree) {
    const why = ended
      ? 'The session has ended: it has no live actors.'
      : local
        ? 'No live actors to show (a journal view, or a manager that stopped).'
        : 'The session runs on another host: its actors are there.';
    return html`<p class="muted">${why}</p>`;
  }
  return html`<ul class="tree">
    <${Node} node=${tree} supervised=${false} actions=${actions} clockOffset=${clockOffset} />
  </ul>`;
}
