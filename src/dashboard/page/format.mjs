/** Small formatting helpers for times and states. */

export const OUTCOMES = ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'];
export const STATES = ['starting', 'running', 'stopping', ...OUTCOMES];

/** `1.2s`, `3m 05s`, `2h 10m`, `4d 3h`. */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `HH:MM:SS.mmm` of an epoch-ms time, local. */
export function clockTime(at) {
  const date = new Date(at);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export const isEnded = (state) => OUTCOMES.includes(state);
