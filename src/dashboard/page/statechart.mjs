/**
 * A live statechart: Mermaid draws the `toMermaid` text once, then the
 * active states are highlighted by styling the SVG nodes whose ids name
 * them (Mermaid names a state's node `<svg id>-state-<state id>-<n>`), so a
 * new state costs a class change, not a new drawing.
 *
 * Legible at any size (see `chartView.mjs`): the chart starts at the
 * largest scale that fits the width while its labels stay readable, zooms
 * (buttons, Ctrl + wheel) and pans (drag, scroll), and the innermost active
 * state is scrolled into view within the chart whenever it changes.
 *
 * Mermaid is loaded on first use, from this server, as a classic script
 * (`vendor/mermaid.min.js` defines `window.mermaid`), with
 * `securityLevel: 'strict'`: labels are sanitised and clicks disabled.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { chartView } from './chartView.mjs';
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
  const view = useRef(undefined);
  const [scale, setScale] = useState(undefined);
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
        const svgElement = container.current.querySelector('svg');
        if (svgElement) {
          view.current = chartView(container.current, svgElement, setScale);
          view.current.initial();
        }
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
    // The innermost active state (the last id: outermost first) into view, within the chart.
    const innermost = nodes.current.get(active[active.length - 1])?.[0];
    if (innermost && view.current) view.current.reveal(innermost);
  }, [drawn, active.join(' ')]);

  return html`<figure class="statechart" data-machine=${name}>
    <figcaption>
      <span class="name">${name}</span>
      ${
        scale === undefined
          ? null
          : html`<span class="zoom" role="group" aria-label="Zoom">
              <button data-zoom="out" title="Zoom out" onClick=${() => view.current?.zoom(1 / 1.25)}>−</button>
              <span class="scale">${Math.round(scale * 100)}%</span>
              <button data-zoom="in" title="Zoom in" onClick=${() => view.current?.zoom(1.25)}>+</button>
              <button data-zoom="fit" title="Fit the width" onClick=${() => view.current?.fit()}>Fit width</button>
              <button data-zoom="actual" title="Actual size" onClick=${() => view.current?.actual()}>1:1</button>
            </span>`
      }
    </figcaption>
    ${problem ? html`<p class="problem">${problem}</p>` : null}
    <div class="diagram" ref=${container}></div>
  </figure>`;
}
