/**
 * A live statechart: Mermaid draws the `toMermaid` text once, then the
 * active states are highlighted by styling the SVG nodes whose ids name
 * them (Mermaid names a state's node `<svg id>-state-<state id>-<n>`), so a
 * new state costs a class change, not a new drawing.
 *
 * Mermaid is loaded on first use, from this server, as a classic script
 * (`vendor/mermaid.min.js` defines `window.mermaid`), with
 * `securityLevel: 'strict'`: labels are sanitised and clicks disabled.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.mjs';

let loading;
function loadMermaid() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = './vendor/mermaid.min.js';
    script.onload = () => {
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        theme: 'neutral',
        flowchart: { htmlLabels: false },
      });
      resolve(window.mermaid);
    };
    script.onerror = () => reject(new Error('Mermaid could not be loaded.'));
    document.head.append(script);
  });
  return loading;
}

// Mermaid keeps global state while it renders: one drawing at a time.
let queue = Promise.resolve();
let counter = 0;
function draw(text) {
  const run = queue.then(async () => {
    const mermaid = await loadMermaid();
    counter += 1;
    const id = `statechart-${counter}`;
    const { svg } = await mermaid.render(id, text);
    return { id, svg };
  });
  queue = run.catch(() => {});
  return run;
}

/** State id → its node(s) in a drawn chart. */
function indexNodes(container, svgId) {
  const prefix = `${svgId}-state-`;
  const nodes = new Map();
  for (const element of container.querySelectorAll('g[id]')) {
    if (!element.id.startsWith(prefix)) continue;
    const stateId = element.id.slice(prefix.length).replace(/-\d+$/, '');
    const list = nodes.get(stateId) ?? [];
    list.push(element);
    nodes.set(stateId, list);
  }
  return nodes;
}

export function Statechart({ name, text, active }) {
  const container = useRef(null);
  const nodes = useRef(new Map());
  const [problem, setProblem] = useState(undefined);
  const [drawn, setDrawn] = useState(0);

  useEffect(() => {
    if (!text) return;
    let current = true;
    draw(text).then(
      ({ id, svg }) => {
        if (!current || !container.current) return;
        // Mermaid's own output for our `toMermaid` text: the one place markup is inserted.
        container.current.innerHTML = svg;
        nodes.current = indexNodes(container.current, id);
        container.current.dataset.drawn = 'true';
        setProblem(undefined);
        setDrawn((n) => n + 1);
      },
      (error) => current && setProblem(error.message),
    );
    return () => {
      current = false;
    };
  }, [text]);

  useEffect(() => {
    const activeSet = new Set(active);
    for (const [stateId, elements] of nodes.current) {
      for (const element of elements) {
        element.classList.toggle('active-state', activeSet.has(stateId));
      }
    }
    if (container.current) container.current.dataset.active = active.join(' ');
  }, [drawn, active.join(' ')]);

  return html`<figure class="statechart" data-machine=${name}>
    <figcaption>${name}</figcaption>
    ${problem ? html`<p class="problem">${problem}</p>` : null}
    <div class="diagram" ref=${container}></div>
  </figure>`;
}
