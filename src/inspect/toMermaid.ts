/**
 * `toMermaid(machine)` renders any XState v5 machine as a Mermaid
 * `stateDiagram-v2`, for docs and for people reviewing a statechart in a
 * pull request.
 *
 * ```ts
 * const light = createMachine({
 *   id: 'light',
 *   initial: 'green',
 *   states: {
 *     green: { on: { TIMER: 'red' } },
 *     red: { on: { OFF: 'off' }, after: { 500: 'green' } },
 *     off: { type: 'final' },
 *   },
 * });
 * toMermaid(light);
 * // stateDiagram-v2
 * //   [*] --> light
 * //   state "light" as light {
 * //     [*] --> green
 * //     state "green" as green
 * //     state "red" as red
 * //     state "off" as off
 * //     off --> [*]
 * //     green --> red : TIMER
 * //     red --> off : OFF
 * //     red --> green : after 500ms
 * //   }
 * ```
 *
 * Semantics:
 * - The machine itself is the outermost composite state, labelled with its
 *   id, so root-level transitions (`on` at the top of the config) and a
 *   parallel root have somewhere to live.
 * - Compound states are `state "key" as id { … }` with their own `[*]`;
 *   parallel regions are separated by `--`; final states get `id --> [*]`;
 *   history states are labelled `key (H)` or `key (H*)`.
 * - Edge labels follow `transitionLabel` (`EVENT [guard]`, `after 5000ms`,
 *   `always`, `done: id`, `error: id`, `*`). A transition with several
 *   targets becomes one edge per target.
 * - An edge sits inside a composite when both ends are its direct children,
 *   and at top level otherwise: Mermaid moves a state into whichever
 *   composite block mentions it last, so an edge written anywhere else would
 *   pull its ends out of their own composites.
 * - Targetless transitions (actions only) are omitted by default: they change
 *   no state, and drawing them as self-loops would suggest re-entry. Pass
 *   `{ targetless: 'self' }` to draw them as self-loops anyway.
 * - Ids are derived from state paths, sanitised to `[A-Za-z0-9_]`, steered
 *   clear of Mermaid keywords and made unique; the original key is the label.
 * - Output is a pure function of the machine definition, so a test can keep
 *   checked-in diagrams in sync. Order: states in document order; per state,
 *   `on` transitions, then invoke outcomes, then `after`, then `always` (the
 *   order XState builds them in).
 * - Descriptions, tags, meta and actions are not drawn.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { createIdAllocator, escapeLabel } from './mermaidText.js';
import { transitionLabel } from './transitionLabel.js';

export interface ToMermaidOptions {
  /** How to draw transitions that have no target. Default `'omit'`. */
  targetless?: 'omit' | 'self';
}

/** A Mermaid `stateDiagram-v2` of `machine`, ending with a newline. */
export function toMermaid(machine: AnyStateMachine, options: ToMermaidOptions = {}): string {
  const root: AnyStateNode = machine.root;
  const ids = assignIds(root);
  const idOf = (node: AnyStateNode): string => ids.get(node) ?? '_';
  const edges = collectEdges(root, idOf, options.targetless ?? 'omit');

  const lines = ['stateDiagram-v2', `  [*] --> ${idOf(root)}`];
  const render = (node: AnyStateNode, indent: string): void => {
    const head = `${indent}state "${escapeLabel(stateLabel(node))}" as ${idOf(node)}`;
    const children = childrenOf(node);
    if (children.length === 0) {
      lines.push(head);
    } else {
      lines.push(`${head} {`);
      const inner = `${indent}  `;
      if (node.type === 'parallel') {
        children.forEach((child, i) => {
          if (i > 0) lines.push(`${inner}--`);
          render(child, inner);
        });
      } else {
        for (const target of node.initial.target) lines.push(`${inner}[*] --> ${idOf(target)}`);
        for (const child of children) render(child, inner);
      }
      for (const edge of edges.get(node) ?? []) lines.push(`${inner}${edge}`);
      lines.push(`${indent}}`);
    }
    if (node.type === 'final') lines.push(`${indent}${idOf(node)} --> [*]`);
  };
  render(root, '  ');
  for (const edge of edges.get(undefined) ?? []) lines.push(`  ${edge}`);
  return `${lines.join('\n')}\n`;
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states ?? {});
}

function stateLabel(node: AnyStateNode): string {
  if (node.type !== 'history') return node.key;
  return `${node.key} (${node.history === 'deep' ? 'H*' : 'H'})`;
}

function assignIds(root: AnyStateNode): Map<AnyStateNode, string> {
  const allocator = createIdAllocator();
  const ids = new Map<AnyStateNode, string>();
  const visit = (node: AnyStateNode, path: readonly string[]): void => {
    ids.set(node, allocator.allocate(path));
    for (const child of childrenOf(node)) visit(child, [...path, child.key]);
  };
  // The root keeps its machine id; descendants use paths relative to it.
  ids.set(root, allocator.allocate([root.key]));
  for (const child of childrenOf(root)) visit(child, [child.key]);
  return ids;
}

/**
 * Edge lines grouped by the block they are written in (`undefined` = top
 * level). Mermaid moves a state into whichever composite block last mentions
 * it, edges included; only top-level lines leave the parent alone. So an edge
 * is written inside a composite only when both ends are declared directly in
 * it (never in a parallel block, whose lines belong to one region), and at
 * top level otherwise.
 */
function collectEdges(
  root: AnyStateNode,
  idOf: (node: AnyStateNode) => string,
  targetless: 'omit' | 'self',
): Map<AnyStateNode | undefined, string[]> {
  const edges = new Map<AnyStateNode | undefined, string[]>();
  const visit = (source: AnyStateNode): void => {
    const transitions: AnyTransitionDefinition[] = [
      ...[...source.transitions.values()].flat(),
      ...(source.always ?? []),
    ];
    for (const transition of transitions) {
      const targets = transition.target?.length ? transition.target : [];
      const ends = targets.length > 0 ? targets : targetless === 'self' ? [source] : [];
      const label = escapeLabel(transitionLabel(transition, source));
      for (const target of ends) {
        const home = edgeHome(source, target);
        const list = edges.get(home) ?? [];
        list.push(`${idOf(source)} --> ${idOf(target)} : ${label}`);
        edges.set(home, list);
      }
    }
    for (const child of childrenOf(source)) visit(child);
  };
  visit(root);
  return edges;
}

function edgeHome(source: AnyStateNode, target: AnyStateNode): AnyStateNode | undefined {
  const parent = source.parent;
  return parent && parent === target.parent && parent.type !== 'parallel' ? parent : undefined;
}
