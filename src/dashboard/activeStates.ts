/**
 * Which nodes of a `toMermaid` diagram are active: the bridge between a
 * machine's snapshot value and the ids in its Mermaid text, so the page can
 * highlight the active states without knowing how ids were chosen.
 *
 * ```ts
 * const chart = toMermaid(lightMachine);
 * activeStateIds(chart, { red: 'blinking' });   // ['red', 'red__blinking']
 * activeStateIds(chart, 'green');               // ['green']
 * ```
 *
 * It reads the diagram rather than recomputing ids: `toMermaid` writes every
 * state as `state "<key>" as <id>`, nested in `{ … }` blocks that follow the
 * machine's own nesting, with the machine itself as the outermost block.
 * The path of keys to each id is therefore in the text, whatever rule made
 * the ids (sanitising, keyword clashes, de-duplication).
 */

const UNESCAPES: Readonly<Record<string, string>> = {
  '#35;': '#',
  '#59;': ';',
  '#37;': '%',
  '#quot;': '"',
  '#lt;': '<',
  '#gt;': '>',
  '#amp;': '&',
};

function unescapeLabel(label: string): string {
  return label.replace(/#(?:35|59|37|quot|lt|gt|amp);/g, (code) => UNESCAPES[code] ?? code);
}

const STATE_LINE = /^\s*state "((?:[^"]|#quot;)*)" as (\S+)( \{)?\s*$/;
const CLOSE_LINE = /^\s*\}\s*$/;

/** Dotted key path (relative to the machine) → Mermaid id, for every state of the diagram. */
export function stateIdsByPath(mermaid: string): Map<string, string> {
  const ids = new Map<string, string>();
  const stack: string[][] = [];
  for (const line of mermaid.split('\n')) {
    const state = STATE_LINE.exec(line);
    if (state) {
      const [, label = '', id = ''] = state;
      // The outermost block is the machine itself: its children's paths start empty.
      const path = stack.length === 0 ? [] : [...stack[stack.length - 1]!, unescapeLabel(label)];
      if (path.length > 0) ids.set(path.join('.'), id);
      if (state[3]) stack.push(path);
      continue;
    }
    if (CLOSE_LINE.test(line)) stack.pop();
  }
  return ids;
}

/** Every active path of a snapshot value, outermost first: `{ a: 'b' }` → `a`, `a.b`. */
export function activePaths(value: unknown): string[] {
  const paths: string[] = [];
  const visit = (node: unknown, prefix: string): void => {
    if (typeof node === 'string') {
      paths.push(`${prefix}${node}`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      paths.push(`${prefix}${key}`);
      visit(child, `${prefix}${key}.`);
    }
  };
  visit(value, '');
  return paths;
}

/** The Mermaid ids of the states active in `value` (a machine snapshot's `value`). */
export function activeStateIds(mermaid: string, value: unknown): string[] {
  return idsOf(stateIdsByPath(mermaid), value);
}

/** Like `activeStateIds`, with the path map computed once (see `stateIdsByPath`). */
export function idsOf(ids: ReadonlyMap<string, string>, value: unknown): string[] {
  const active: string[] = [];
  for (const path of activePaths(value)) {
    const id = ids.get(path);
    if (id !== undefined) active.push(id);
  }
  return active;
}
