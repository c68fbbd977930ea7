/**
 * Statecharts for the page: each machine's `toMermaid` text, computed once
 * per machine, and the ids of its active states for a snapshot.
 *
 * ```ts
 * const charts = createChartCache();
 * charts.forRef('agent', agentRef);         // { id: 'agent', statechart, active: ['working', …], state: 'working.typing' }
 * charts.forValue('session', sessionMachine, 'completed');
 * ```
 */
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import { toMermaid } from '../inspect/toMermaid.js';
import { activePaths, idsOf, stateIdsByPath } from './activeStates.js';
import { isStateMachine, logicOf } from './sessionActors.js';
import type { MachineChart } from './source.js';

interface Chart {
  text: string;
  ids: Map<string, string>;
}

export interface ChartCache {
  /** The chart of a running machine actor, highlighted where it is; `undefined` for other logic. */
  forRef(id: string, ref: AnyActorRef): MachineChart | undefined;
  /** The chart of `machine` with `value` active (a state value, or a top-level state's key). */
  forValue(id: string, machine: AnyStateMachine, value: unknown): MachineChart;
  text(machine: AnyStateMachine): string;
}

/** Leaf paths of a state value, as `supervisionTree` prints them: `live.running, live.deadline`. */
function stateText(value: unknown): string | undefined {
  const paths = activePaths(value);
  const leaves = paths.filter((path) => !paths.some((other) => other.startsWith(`${path}.`)));
  return leaves.length > 0 ? leaves.join(', ') : undefined;
}

export function createChartCache(): ChartCache {
  // Keyed by the machine object: a machine's diagram never changes, and a
  // machine nobody runs any more can be collected with its entry.
  const charts = new WeakMap<AnyStateMachine, Chart>();
  const chartOf = (machine: AnyStateMachine): Chart => {
    let chart = charts.get(machine);
    if (!chart) {
      const text = toMermaid(machine);
      chart = { text, ids: stateIdsByPath(text) };
      charts.set(machine, chart);
    }
    return chart;
  };
  const forValue = (id: string, machine: AnyStateMachine, value: unknown): MachineChart => {
    const chart = chartOf(machine);
    const state = stateText(value);
    return {
      id,
      statechart: chart.text,
      active: idsOf(chart.ids, value),
      ...(state === undefined ? {} : { state }),
    };
  };
  return {
    forRef(id, ref) {
      const logic = logicOf(ref);
      if (!isStateMachine(logic)) return undefined;
      return forValue(id, logic, (ref.getSnapshot() as { value?: unknown }).value);
    },
    forValue,
    text: (machine) => chartOf(machine).text,
  };
}
