/**
 * The page's HTML shell and the headers it is served with.
 *
 * ```ts
 * const shell = pageShell();
 * res.writeHead(200, shell.headers).end(shell.html);
 * ```
 *
 * The shell holds no data and no token: the token stays in the URL's
 * fragment, which the browser never sends, and the page's script reads it
 * from there. The Content-Security-Policy allows scripts from this server
 * only, plus the one inline script, the import map, by its hash; inline
 * styles are allowed because Mermaid styles the diagrams it draws that way.
 * Frames are refused, so another site cannot overlay the page.
 */
import { createHash } from 'node:crypto';
import { IMPORT_MAP } from './assets.js';

export interface PageShell {
  html: string;
  headers: Record<string, string>;
}

export function pageShell(): PageShell {
  const importMap = JSON.stringify(IMPORT_MAP);
  const hash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>xstate-otp dashboard</title>
<script type="importmap">${importMap}</script>
<script type="module" src="./assets/main.mjs"></script>
</head>
<body>
<div id="app"><p class="loading">Loading the dashboard…</p></div>
<noscript>The dashboard needs JavaScript.</noscript>
</body>
</html>
`;
  return {
    html,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Frame-Options': 'DENY',
    },
  };
}
