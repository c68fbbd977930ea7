/**
 * The page's entry: styles, then the app. Served by the dashboard server
 * with Preact and htm from the package's own dependencies (an import map in
 * the HTML shell names them), so nothing is fetched from elsewhere.
 */
import { render } from 'preact';
import { App } from './app.mjs';
import { html } from './html.mjs';
import { css } from './styles.mjs';

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [sheet];
const root = document.getElementById('app');
// The shell's "Loading…" line goes: Preact renders into an empty element.
root.textContent = '';
render(html`<${App} />`, root);
