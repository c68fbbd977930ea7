import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, type AnyStateNode, createMachine } from 'xstate';
import { toMermaid } from '../src/inspect/toMermaid.js';
import { transitionLabel } from '../src/inspect/transitionLabel.js';
import {
  awkward,
  compound,
  delayed,
  guarded,
  invoking,
  parallel,
  sampleMachines,
  trafficLight,
} from './helpers/inspect-fixtures.js';
import { type ParsedStateNode, parseStateDiagram, validateMermaid } from './helpers/mermaid.js';

describe('toMermaid', () => {
  it('renders a small machine exactly', () => {
    expect(toMermaid(trafficLight)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> light',
        '  state "light" as light {',
        '    [*] --> green',
        '    state "green" as green',
        '    state "yellow" as yellow',
        '    state "red" as red',
        '    state "off" as off',
        '    off --> [*]',
        '    green --> yellow : TIMER',
        '    yellow --> red : after 500ms',
        '    red --> green : TIMER [isNight]',
        '    red --> off : POWER_OFF',
        '  }',
        '',
      ].join('\n'),
    );
  });

  it('omits targetless transitions unless asked to draw them as self-loops', () => {
    expect(toMermaid(trafficLight)).not.toContain('PING');
    expect(toMermaid(trafficLight, { targetless: 'self' })).toContain('    red --> red : PING\n');
  });

  it.each(Object.entries(sampleMachines))('%s is accepted by the Mermaid parser', async (_, m) => {
    const text = toMermaid(m);
    expect(await validateMermaid(text)).toEqual({ valid: true, diagramType: 'stateDiagram' });
    expect(await validateMermaid(toMermaid(m, { targetless: 'self' }))).toMatchObject({
      valid: true,
    });
  });

  it.each(Object.entries(sampleMachines))(
    '%s: Mermaid reads back every state, region and edge',
    async (_, m) => {
      await expectFaithful(m, toMermaid(m));
    },
  );

  it('nests compound states with their own initial state, and draws history', () => {
    const text = toMermaid(compound);
    expect(text).toContain('    state "open" as open {\n      [*] --> open__viewing\n');
    expect(text).toContain('        [*] --> open__editing__clean\n');
    expect(text).toContain('      state "hist (H*)" as open__hist\n');
    expect(text).toContain('      open__editing --> open__viewing : CANCEL\n');
    // Edges between different levels go at top level, where Mermaid leaves
    // every state in the composite that declared it.
    expect(text).toContain('\n  open --> open__hist : REOPEN\n');
    expect(text).toContain('  editor --> closed : RESET\n');
  });

  it('separates parallel regions with -- and lifts cross-region edges out of them', () => {
    const text = toMermaid(parallel);
    expect(text).toContain(
      '    }\n    --\n    state "volume" as volume {\n      [*] --> volume__normal\n',
    );
    expect(text).toContain('    --\n    state "ended" as ended\n    ended --> [*]\n');
    // A parallel state has no initial arrow of its own: every region starts.
    expect(text).toContain('  state "player" as player {\n    state "playback" as playback {\n');
    expect(text).toMatch(/\n {2}volume__normal --> playback__paused : EJECT\n$/);
  });

  it('labels guards by name, type, combinator, or [guard] for inline functions', () => {
    const text = toMermaid(guarded);
    expect(text).toContain('closed --> open : OPEN [isAdmin]\n');
    expect(text).toContain('closed --> open : OPEN [isOwner]\n');
    expect(text).toContain('closed --> open : OPEN [guard]\n');
    expect(text).toContain('closed --> open : OPEN [isAdmin and (not isLocked)]\n');
    expect(text).toContain('closed --> open : OPEN [isOwner or (in door.open)]\n');
    expect(text).toContain('closed --> open : always [isOwner]\n');
    expect(text).toContain('open --> closed : *\n');
  });

  it('labels delayed and eventless transitions', () => {
    const text = toMermaid(delayed);
    expect(text).toContain('waiting --> late : after 5000ms\n');
    expect(text).toContain('waiting --> bored : after patience [guard]\n');
    expect(text).toContain('waiting --> late : always [guard]\n');
  });

  it('labels invoke outcomes as done / error / snapshot with the invoke id', () => {
    const text = toMermaid(invoking);
    expect(text).toContain('loading --> ready : done: fetchUser\n');
    expect(text).toContain('loading --> failed : error: fetchUser\n');
    expect(text).toContain('loading --> ready : done: invoke 1\n');
    expect(text).toContain('loading --> loading : snapshot: invoke 1\n');
  });

  it('makes keys and events that clash with Mermaid syntax safe, and keeps them readable', async () => {
    const text = toMermaid(awkward);
    expect(text).toContain('  state "state" as state_ {\n');
    expect(text).toContain('    state "default" as default_\n');
    expect(text).toContain('      state "start" as note__start_\n');
    expect(text).toContain('    state "x-y" as x_y\n    state "x_y" as x_y_2\n');
    expect(text).toContain('    state "root" as root_\n');
    expect(text).toContain('    state "note" as note_ {\n');
    expect(text).toContain('    default_ --> note_ : go#59;now\n');
    const { edges } = await parseStateDiagram(text);
    expect(edges.map((e) => e.label)).toEqual(
      expect.arrayContaining(['go;now', 'a%%b', '"quoted" <b>&', 'user.#tag', '*']),
    );
  });

  it('is deterministic: equal definitions give identical text', () => {
    const make = () =>
      createMachine({
        id: 'm',
        initial: 'b',
        states: { b: { on: { X: 'a', Y: 'c' } }, a: {}, c: { after: { 10: 'a' } } },
      });
    expect(toMermaid(make())).toBe(toMermaid(make()));
    expect(toMermaid(compound)).toBe(toMermaid(compound));
  });
});

describe('validateMermaid', () => {
  it.each([
    ['an unclosed composite', 'stateDiagram-v2\n  state a {\n    [*] --> b\n'],
    ['an edge without a target', 'stateDiagram-v2\n  a --> : GO\n'],
    ['a stray quote in a label', 'stateDiagram-v2\n  state "a"b" as x\n'],
    ['a keyword used as an id', 'stateDiagram-v2\n  [*] --> state\n'],
    ['not a diagram at all', 'hello world'],
  ])('rejects %s', async (_, text) => {
    const check = await validateMermaid(text);
    expect(check.valid).toBe(false);
  });
});

// --- structural comparison --------------------------------------------------

const SEP = ' / ';

function machineNodes(m: AnyStateMachine): AnyStateNode[] {
  const all: AnyStateNode[] = [];
  const walk = (n: AnyStateNode) => {
    all.push(n);
    for (const c of Object.values(n.states ?? {})) walk(c);
  };
  walk(m.root);
  return all;
}

function machineLabel(n: AnyStateNode): string {
  return n.type === 'history' ? `${n.key} (${n.history === 'deep' ? 'H*' : 'H'})` : n.key;
}

function machinePath(n: AnyStateNode): string {
  const labels: string[] = [];
  for (let x: AnyStateNode | undefined = n; x; x = x.parent) labels.unshift(machineLabel(x));
  return labels.join(SEP);
}

async function expectFaithful(m: AnyStateMachine, text: string): Promise<void> {
  const { nodes, edges } = await parseStateDiagram(text);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const isPseudo = (n: ParsedStateNode) => /_(start|end)$/.test(n.id);
  const isDivider = (n: ParsedStateNode) => n.isGroup && n.label === '' && !isPseudo(n);
  const realParent = (n: ParsedStateNode): ParsedStateNode | undefined => {
    let p = n.parentId === undefined ? undefined : byId.get(n.parentId);
    while (p && isDivider(p)) p = p.parentId === undefined ? undefined : byId.get(p.parentId);
    return p;
  };
  const parsedPath = (n: ParsedStateNode): string => {
    const labels: string[] = [];
    for (let x: ParsedStateNode | undefined = n; x; x = realParent(x)) labels.unshift(x.label);
    return labels.join(SEP);
  };
  const states = nodes.filter((n) => !isPseudo(n) && !isDivider(n));
  const pathOf = new Map(states.map((n) => [n.id, parsedPath(n)]));

  // Every state once, under the right parent, with its key as label.
  const expected = machineNodes(m);
  expect(states.map(parsedPath).sort()).toEqual(expected.map(machinePath).sort());
  const idOf = new Map([...pathOf].map(([id, p]) => [p, id]));
  const id = (n: AnyStateNode) => idOf.get(machinePath(n)) ?? '?';

  // Regions of a parallel state sit in separate `--` sections.
  for (const n of expected.filter((x) => x.type === 'parallel')) {
    const regions = Object.values(n.states).map((c) => byId.get(id(c))?.parentId);
    if (regions.length > 1) expect(new Set(regions).size).toBe(regions.length);
  }

  // Initial and final markers.
  const starts = edges.filter((e) => byId.get(e.start) && /_start$/.test(e.start));
  for (const n of expected.filter((x) => x.type === 'compound')) {
    const initial = n.initial.target.map((t) => id(t));
    const fromStart = starts.filter((e) => byId.get(e.start)?.parentId === id(n)).map((e) => e.end);
    expect(fromStart).toEqual(initial);
  }
  const finals = edges.filter((e) => /_end$/.test(e.end)).map((e) => pathOf.get(e.start));
  expect(finals.sort()).toEqual(
    expected
      .filter((x) => x.type === 'final')
      .map(machinePath)
      .sort(),
  );

  // Every targeted transition is one edge per target, with the same label.
  const want: string[] = [];
  for (const source of expected) {
    const ts = [...source.transitions.values()].flat().concat(source.always ?? []);
    for (const t of ts) {
      for (const target of t.target ?? []) {
        want.push(
          [machinePath(source), machinePath(target), transitionLabel(t, source)].join(' | '),
        );
      }
    }
  }
  const got = edges
    .filter((e) => pathOf.has(e.start) && pathOf.has(e.end))
    .map((e) => [pathOf.get(e.start), pathOf.get(e.end), e.label].join(' | '));
  expect(got.sort()).toEqual(want.sort());
}
