/**
 * The small live chart: sessions by state over the last minutes (one line
 * per state), and restarts per minute (bars), from the server's samples.
 */
import { useMemo } from 'preact/hooks';
import { STATES } from './format.mjs';
import { html } from './html.mjs';

const WIDTH = 480;
const HEIGHT = 110;
const PAD = 22;

function StateLines({ stats }) {
  const states = STATES.filter((state) => stats.some((sample) => sample.states[state] > 0));
  const max = Math.max(1, ...stats.map((s) => Math.max(0, ...Object.values(s.states))));
  const t0 = stats[0]?.at ?? 0;
  const span = Math.max(1, (stats[stats.length - 1]?.at ?? 0) - t0);
  const x = (at) => PAD + ((at - t0) / span) * (WIDTH - 2 * PAD);
  const y = (n) => HEIGHT - PAD - (n / max) * (HEIGHT - 2 * PAD);
  return html`<figure class="chart" data-chart="states">
    <figcaption>Sessions by state, last ${Math.max(1, Math.round(span / 60000))} min</figcaption>
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="sessions by state">
      <line class="axis" x1=${PAD} y1=${HEIGHT - PAD} x2=${WIDTH - PAD} y2=${HEIGHT - PAD} />
      <text class="tick" x="2" y=${PAD}>${max}</text>
      <text class="tick" x="2" y=${HEIGHT - PAD}>0</text>
      ${states.map(
        (state) => html`<polyline
          class=${`series series-${state}`}
          points=${stats.map((s) => `${x(s.at)},${y(s.states[state] ?? 0)}`).join(' ')}
        />`,
      )}
    </svg>
    <ul class="legend">
      ${states.map(
        (state) => html`<li>
          <span class=${`swatch series-${state}`}></span>${`${state} ${stats[stats.length - 1]?.states[state] ?? 0}`}
        </li>`,
      )}
    </ul>
  </figure>`;
}

function RestartBars({ stats }) {
  const minutes = useMemo(() => {
    const byMinute = new Map();
    for (const sample of stats) {
      const minute = Math.floor(sample.at / 60000);
      byMinute.set(minute, (byMinute.get(minute) ?? 0) + sample.restarts);
    }
    const last = Math.floor((stats[stats.length - 1]?.at ?? 0) / 60000);
    return Array.from({ length: 10 }, (_, i) => byMinute.get(last - 9 + i) ?? 0);
  }, [stats]);
  const max = Math.max(1, ...minutes);
  const bar = (WIDTH - 2 * PAD) / minutes.length;
  return html`<figure class="chart" data-chart="restarts">
    <figcaption>Restarts per minute, last 10 min (now ${minutes[minutes.length - 1]})</figcaption>
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="restarts per minute">
      <line class="axis" x1=${PAD} y1=${HEIGHT - PAD} x2=${WIDTH - PAD} y2=${HEIGHT - PAD} />
      <text class="tick" x="2" y=${PAD}>${max}</text>
      ${minutes.map((count, i) => {
        const h = (count / max) * (HEIGHT - 2 * PAD);
        return html`<rect
          class="bar"
          x=${PAD + i * bar + 2}
          y=${HEIGHT - PAD - h}
          width=${bar - 4}
          height=${h}
        ><title>${count} restarts</title></rect>`;
      })}
    </svg>
  </figure>`;
}

export function LiveChart({ stats }) {
  if (stats.length === 0) return null;
  return html`<section class="charts">
    <${StateLines} stats=${stats} />
    <${RestartBars} stats=${stats} />
  </section>`;
}
