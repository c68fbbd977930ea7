/**
 * Every action asks first: a small in-page dialog naming what will happen,
 * with the action's own label on the button that does it.
 *
 * ```js
 * const [confirm, dialog] = useConfirm();
 * confirm({ title: 'Terminate session fix-42?', label: 'Terminate', run: () => api.post(...) });
 * return html`${dialog} ...`;
 * ```
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.mjs';

function Dialog({ request, close }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(undefined);
  const cancel = useRef(null);
  useEffect(() => cancel.current?.focus(), []);
  const go = async () => {
    setBusy(true);
    try {
      await request.run();
      close();
    } catch (error) {
      setProblem(error.message);
      setBusy(false);
    }
  };
  return html`<div class="overlay">
    <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
      <h2 id="confirm-title">${request.title}</h2>
      ${request.detail ? html`<p>${request.detail}</p>` : null}
      ${problem ? html`<p class="problem">${problem}</p>` : null}
      <div class="buttons">
        <button ref=${cancel} onClick=${close} disabled=${busy}>Cancel</button>
        <button class="danger" data-confirm onClick=${go} disabled=${busy}>
          ${busy ? 'Working…' : request.label}
        </button>
      </div>
    </div>
  </div>`;
}

export function useConfirm() {
  const [request, setRequest] = useState(undefined);
  const dialog = request
    ? html`<${Dialog} request=${request} close=${() => setRequest(undefined)} />`
    : null;
  return [setRequest, dialog];
}
