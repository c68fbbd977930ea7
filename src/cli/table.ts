/**
 * Plain-text tables with aligned columns, optionally coloured.
 *
 * ```ts
 * const lines = formatTable(
 *   [{ header: 'SESSION' }, { header: 'RESTARTS', align: 'right' }],
 *   [['a1', '0'], ['b2', '3']],
 *   { style: (row, col, text) => (col === 0 ? bold(text) : text) },
 * );
 * // SESSION  RESTARTS
 * // a1              0
 * // b2              3
 * ```
 *
 * Widths are measured on the plain text; `style` wraps a cell after it is
 * padded, so colour codes never disturb the alignment. The last column is
 * not padded (no trailing spaces).
 */

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** Decorates a padded cell; `row` is -1 for the header. */
  style?: (row: number, column: number, text: string) => string;
}

export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string[] {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const style = options.style ?? ((_row, _col, text) => text);
  const line = (cells: readonly string[], row: number) =>
    columns
      .map((column, i) => {
        const text = cells[i] ?? '';
        const last = i === columns.length - 1;
        const padded =
          column.align === 'right'
            ? text.padStart(widths[i]!)
            : last
              ? text
              : text.padEnd(widths[i]!);
        return style(row, i, padded);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((c) => c.header),
      -1,
    ),
    ...rows.map((cells, row) => line(cells, row)),
  ];
}

/** ANSI colours, or none: `createPainter(false).red('x') === 'x'`. */
export function createPainter(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}

export type Painter = ReturnType<typeof createPainter>;

/** Cuts `text` to `width` visible characters, ignoring ANSI colour codes (a redrawn line must never wrap). */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return text;
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\u001b') {
      const end = text.indexOf('m', i);
      if (end !== -1) {
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += text[i];
    visible += 1;
  }
  return out;
}
