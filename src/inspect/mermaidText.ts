/**
 * Text rules for Mermaid `stateDiagram-v2` output: label escaping and safe,
 * unique state identifiers.
 *
 * ```ts
 * escapeLabel('a;b')               // 'a#59;b'
 * const ids = createIdAllocator();
 * ids.allocate(['running', 'child']) // 'running__child'
 * ids.allocate(['state'])            // 'state_' (a Mermaid keyword)
 * ```
 *
 * @module
 */

// Characters the Mermaid lexer treats specially even inside labels: `;` ends
// a statement, `%%` starts a comment, `#…;` is an entity, `"` closes a quoted
// label, and `<`, `>`, `&` are read as HTML when rendering. Entity codes are
// Mermaid's own escape: they are decoded only at render time.
const LABEL_ESCAPES: Readonly<Record<string, string>> = {
  '#': '#35;',
  ';': '#59;',
  '%': '#37;',
  '"': '#quot;',
  '<': '#lt;',
  '>': '#gt;',
  '&': '#amp;',
};

/** Makes any text safe as a quoted state label or a transition label. */
export function escapeLabel(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[#;%"<>&]/g, (c) => LABEL_ESCAPES[c] ?? c);
}

// Words the stateDiagram lexer reads as keywords, case-insensitively. The list
// is generous on purpose: renaming an id costs nothing, a clash breaks the parse.
const RESERVED = new Set([
  'accdescr',
  'acctitle',
  'as',
  'choice',
  'class',
  'classdef',
  'click',
  'default',
  'direction',
  'end',
  'fork',
  'hide',
  'href',
  'join',
  'left',
  'note',
  'of',
  'over',
  'right',
  'root',
  'scale',
  'state',
  'statediagram',
  'style',
]);

export interface IdAllocator {
  /** A Mermaid id for the state at `path`, unique within this allocator. */
  allocate(path: readonly string[]): string;
}

/**
 * Ids come from the state path so that editing one branch of a machine does
 * not rename states elsewhere, which keeps checked-in diagrams diff-friendly.
 */
export function createIdAllocator(): IdAllocator {
  const used = new Set<string>();
  return {
    allocate(path) {
      const base = readableId(path);
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
      used.add(id);
      return id;
    },
  };
}

function readableId(path: readonly string[]): string {
  const id = path.map((key) => key.replace(/[^A-Za-z0-9_]/g, '_') || '_').join('__') || '_';
  // Mermaid names the `[*]` pseudo-states `<parent>_start` / `<parent>_end`
  // (and `root_start` at top level), so an id must never end that way.
  if (RESERVED.has(id.toLowerCase()) || /_(start|end)$/.test(id)) return `${id}_`;
  return id;
}
