/**
 * Human labels for XState v5 transitions, as shown on diagram edges.
 *
 * | transition                          | label                  |
 * | ----------------------------------- | ---------------------- |
 * | `on: { GO: … }`                     | `GO`                   |
 * | `guard: 'isOk'` / `{ type: 'isOk' }`| `GO [isOk]`            |
 * | `guard: and(['a', not('b')])`       | `GO [a and (not b)]`   |
 * | inline function guard               | `GO [guard]`           |
 * | `after: { 5000: … }`                | `after 5000ms`         |
 * | `after: { timeout: … }` (named)     | `after timeout`        |
 * | `always: …`                         | `always`               |
 * | invoke `onDone` / `onError`         | `done: id` / `error: id` |
 * | invoke without id (index 0)         | `done: invoke 0`       |
 * | `onSnapshot`                        | `snapshot: id`         |
 * | state `onDone`                      | `done`                 |
 * | `'*'`, `'user.*'`                   | unchanged              |
 *
 * Labels are plain text; escaping for Mermaid happens in the caller.
 *
 * @module
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** The edge label for `transition`, leaving `source` from the diagram's point of view. */
export function transitionLabel(transition: AnyTransitionDefinition, source: AnyStateNode): string {
  const guard = transition.guard === undefined ? '' : ` [${guardLabel(transition.guard)}]`;
  return `${eventLabel(transition, source)}${guard}`;
}

const ACTOR_EVENT: Readonly<Record<string, string>> = {
  'done.actor': 'done',
  'error.actor': 'error',
  snapshot: 'snapshot',
};

function eventLabel(transition: AnyTransitionDefinition, source: AnyStateNode): string {
  const type: string = transition.eventType;
  const delay = (transition as { delay?: unknown }).delay;
  if (type === '') return 'always';
  if (type.startsWith('xstate.after.') && delay !== undefined) {
    return typeof delay === 'number' ? `after ${delay}ms` : `after ${String(delay)}`;
  }
  const actor = /^xstate\.(done\.actor|error\.actor|snapshot)\.(.+)$/.exec(type);
  if (actor) return `${ACTOR_EVENT[actor[1] ?? '']}: ${invokeName(actor[2] ?? '', source)}`;
  const doneState = /^xstate\.done\.state\.(.+)$/.exec(type);
  if (doneState) return doneState[1] === source.id ? 'done' : `done: ${doneState[1]}`;
  return type;
}

// XState names an invoke without `id` `<index>.<state id>`; the state id is
// already on the diagram, so only the index says anything.
function invokeName(id: string, source: AnyStateNode): string {
  const generated = /^(\d+)\.(.+)$/.exec(id);
  return generated && generated[2] === source.id ? `invoke ${generated[1]}` : id;
}

interface GuardFunction {
  (...args: never[]): unknown;
  check?: unknown;
  guards?: readonly unknown[];
  stateValue?: unknown;
}

/** `'isOk'`, `{ type: 'isOk' }`, builtin combinators, or `guard` for an inline function. */
export function guardLabel(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return functionGuardLabel(guard as GuardFunction);
  if (
    guard &&
    typeof guard === 'object' &&
    typeof (guard as { type?: unknown }).type === 'string'
  ) {
    return (guard as { type: string }).type;
  }
  return 'guard';
}

function functionGuardLabel(guard: GuardFunction): string {
  // and/or/not/stateIn are functions carrying `check` plus their operands.
  // Words rather than `&&`/`!` keep the Mermaid source free of entity escapes.
  if (typeof guard.check !== 'function') return 'guard';
  const operands = (guard.guards ?? []).map((g) => wrapCompound(guardLabel(g)));
  switch (guard.name) {
    case 'and':
      return operands.join(' and ');
    case 'or':
      return operands.join(' or ');
    case 'not':
      return `not ${operands[0] ?? 'guard'}`;
    case 'stateIn':
      return `in ${stateValueLabel(guard.stateValue)}`;
    default:
      return 'guard';
  }
}

function wrapCompound(label: string): string {
  return label.includes(' ') ? `(${label})` : label;
}

function stateValueLabel(value: unknown): string {
  // `#id` references read fine without the `#`, which Mermaid would escape.
  if (typeof value === 'string') return value.replace(/^#/, '');
  try {
    return JSON.stringify(value) ?? 'state';
  } catch {
    return 'state';
  }
}
