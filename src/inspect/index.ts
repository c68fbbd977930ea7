/**
 * The inspection layer: see what a statechart is and what an actor system did.
 *
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { createActor } from 'xstate';
 * import { createInspectionFile, sessionMachine, toMermaid } from 'xstate-otp';
 *
 * writeFileSync('docs/session.mmd', toMermaid(sessionMachine));
 *
 * const file = createInspectionFile('runs/session.jsonl');
 * createActor(agentMachine, { inspect: file.inspect }).start();
 * await file.close();
 * ```
 *
 * - `toMermaid(machine)`: a Mermaid `stateDiagram-v2` of any XState v5 machine.
 * - `createInspectionFile(path)`: an `inspect` observer writing JSON lines.
 * - `inspectionRecord` / `inspectionLine`: the line format, for other sinks.
 * - `toSafeJson`: the never-throwing serialiser behind the lines.
 * - `supervisionTree(manager)`: every live actor as a JSON tree.
 *
 * Any other XState inspector (for example `@statelyai/inspect`'s
 * `createInspector`) plugs into the same `inspect` option; to feed several,
 * call them from one function.
 *
 * @module
 */
export {
  createInspectionFile,
  type InspectionFile,
  type InspectionFileOptions,
} from './inspectionFile.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  type InspectionRecord,
  inspectionLine,
  inspectionRecord,
} from './inspectionRecord.js';
export {
  DEFAULT_SAFE_JSON_LIMITS,
  isActorRef,
  type SafeJsonLimits,
  toSafeJson,
} from './safeJson.js';
export {
  type SupervisionNode,
  type SupervisionNodeKind,
  type SupervisionSource,
  supervisionTree,
} from './supervisionTree.js';
export { type ToMermaidOptions, toMermaid } from './toMermaid.js';
export { guardLabel, transitionLabel } from './transitionLabel.js';
