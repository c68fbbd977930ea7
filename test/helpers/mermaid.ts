/**
 * The real Mermaid parser, usable from vitest in plain Node.
 *
 * ```ts
 * const check = await validateMermaid(toMermaid(machine));
 * expect(check).toEqual({ valid: true, diagramType: 'stateDiagram' });
 *
 * const { nodes, edges } = await parseStateDiagram(text); // what Mermaid understood
 * ```
 *
 * `mermaid.parse()` runs the same grammar and diagram database as a browser
 * render, without layout. Mermaid only needs a DOM while it is being imported
 * (DOMPurify binds to `window` then), so a happy-dom window is installed for
 * the import and removed right after: other code in the same test file (for
 * instance `@statelyai/inspect`, which switches to `requestIdleCallback` when
 * it sees a `window`) keeps seeing plain Node.
 */
import { Window } from 'happy-dom';

export type MermaidCheck = { valid: true; diagramType: string } | { valid: false; error: string };

export interface ParsedStateNode {
  id: string;
  label: string;
  parentId: string | undefined;
  isGroup: boolean;
}
export interface ParsedEdge {
  start: string;
  end: string;
  label: string;
}

type Mermaid = typeof import('mermaid').default;

let loading: Promise<Mermaid> | undefined;

function loadMermaid(): Promise<Mermaid> {
  loading ??= (async () => {
    const scope = globalThis as Record<string, unknown>;
    const saved = { window: scope.window, document: scope.document };
    const dom = new Window();
    scope.window = dom;
    scope.document = dom.document;
    try {
      return (await import('mermaid')).default;
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete scope[key];
        else scope[key] = value;
      }
      await dom.happyDOM.close();
    }
  })();
  return loading;
}

/** Parses `text` with Mermaid; never throws. */
export async function validateMermaid(text: string): Promise<MermaidCheck> {
  const mermaid = await loadMermaid();
  try {
    const result = await mermaid.parse(text);
    return result ? { valid: true, diagramType: result.diagramType } : { valid: false, error: '' };
  } catch (error) {
    return { valid: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The states (with their parent composite) and edges Mermaid built from a
 * `stateDiagram-v2`, labels decoded. Throws on a parse error. Mermaid adds its
 * own nodes for `[*]` (`<parent>_start`, `<parent>_end`) and for `--`
 * regions (`isGroup`, empty label).
 */
export async function parseStateDiagram(
  text: string,
): Promise<{ nodes: ParsedStateNode[]; edges: ParsedEdge[] }> {
  const mermaid = await loadMermaid();
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as {
    getData(): {
      nodes: Array<{ id: string; label?: unknown; parentId?: string; isGroup?: boolean }>;
      edges: Array<{ start: string; end: string; label?: unknown }>;
    };
  };
  const data = db.getData();
  return {
    nodes: data.nodes.map((n) => ({
      id: n.id,
      label: decodeEntities(String(n.label ?? '')),
      parentId: n.parentId,
      isGroup: n.isGroup ?? false,
    })),
    edges: data.edges.map((e) => ({
      start: e.start,
      end: e.end,
      label: decodeEntities(String(e.label ?? '')),
    })),
  };
}

const NAMED: Readonly<Record<string, string>> = { quot: '"', lt: '<', gt: '>', amp: '&' };

// Mermaid swaps `#name;` / `#35;` for placeholders before parsing and only
// turns them into characters while rendering; undo that here.
function decodeEntities(text: string): string {
  return text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (whole, name: string) => NAMED[name] ?? whole);
}
