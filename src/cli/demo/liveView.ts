/**
 * A block of lines redrawn in place in a terminal: the demo's live table.
 *
 * ```ts
 * const view = createLiveView(process.stdout, () => tableLines());
 * store.subscribe(() => view.request());   // redraws at most every 80 ms
 * view.stop();                             // last draw; the block stays on screen
 * ```
 *
 * Each draw moves the cursor back up over the previous block and clears to
 * the end of the screen, then writes the new block. Lines are cut to the
 * terminal's width: a wrapped line would throw the count of lines to move
 * up off. Requests are throttled (changes can come in bursts of hundreds),
 * and a ticker redraws every `tickMs` so elapsed times keep moving.
 */
import type { Output } from '../io.js';
import { fitWidth } from '../table.js';

export interface LiveView {
  /** Asks for a redraw; coalesced with others within `minIntervalMs`. */
  request(): void;
  /** Draws the final state and stops redrawing. Idempotent. */
  stop(): void;
}

export interface LiveViewOptions {
  minIntervalMs?: number;
  tickMs?: number;
}

export function createLiveView(
  out: Output,
  render: () => string[],
  options: LiveViewOptions = {},
): LiveView {
  const minIntervalMs = options.minIntervalMs ?? 80;
  let drawnLines = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let pending: NodeJS.Timeout | undefined;
  let stopped = false;

  const draw = () => {
    pending = undefined;
    lastDraw = Date.now();
    const width = Math.max(10, (out.columns ?? 100) - 1);
    const lines = render().map((line) => fitWidth(line, width));
    // ESC[nF: cursor to the start of the line n lines up; ESC[J: clear below.
    const back = drawnLines > 0 ? `\u001b[${drawnLines}F\u001b[J` : '';
    out.write(`${back}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };

  const request = () => {
    if (stopped || pending) return;
    const wait = lastDraw + minIntervalMs - Date.now();
    if (wait <= 0) draw();
    else pending = setTimeout(draw, wait);
  };

  const ticker = setInterval(request, options.tickMs ?? 250);
  ticker.unref();
  draw();

  return {
    request,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      if (pending) clearTimeout(pending);
      draw();
    },
  };
}
