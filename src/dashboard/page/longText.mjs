/**
 * A field that may be long: shown shortened (the first `limit` characters)
 * with a button that shows it whole. A megabyte of text in the page's
 * layout costs the browser seconds on every update; a few hundred
 * characters cost nothing.
 *
 * The session stream itself cuts strings past 4,096 characters (they end
 * with `… [N more characters]`); for those, "Show all" asks `whole()` (the
 * session's detail route, which is never cut) for the full text.
 */
import { useState } from 'preact/hooks';
import { html } from './html.mjs';

/** The marker the server puts on a string it cut, and how many characters it left out. */
const SERVER_CUT = /… \[(\d+) more characters\]$/;

export function LongText({ text, limit = 300, whole }) {
  const [full, setFull] = useState(undefined);
  const [loading, setLoading] = useState(false);
  if (typeof text !== 'string') return null;
  if (full !== undefined) {
    return html`<span class="long-text whole">${full}
      <button class="link" data-action="show-less" onClick=${() => setFull(undefined)}>Show less</button></span>`;
  }
  const serverCut = SERVER_CUT.exec(text);
  const length = serverCut ? text.length - serverCut[0].length + Number(serverCut[1]) : text.length;
  if (length <= limit) return html`<span class="long-text">${text}</span>`;
  const show = async () => {
    if (!serverCut) {
      setFull(text);
      return;
    }
    setLoading(true);
    try {
      const value = whole ? await whole() : undefined;
      setFull(typeof value === 'string' ? value : text);
    } finally {
      setLoading(false);
    }
  };
  return html`<span class="long-text shortened" data-length=${length}>${text.slice(0, limit)}…
    <button class="link" data-action="show-all" disabled=${loading} onClick=${show}>
      ${loading ? 'Loading…' : `Show all ${length.toLocaleString('en')} characters`}
    </button></span>`;
}
