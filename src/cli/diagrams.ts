/**
 * The statecharts `xstate-otp diagram` draws, by name, and their Mermaid
 * text: the same text the docs embed (a test keeps them equal).
 *
 * ```ts
 * diagramText('session');             // 'stateDiagram-v2\n  [*] --> session\n…'
 * diagramText('supervisor', { markdown: true }); // inside a ```mermaid fence
 * ```
 */
import type { AnyStateMachine } from 'xstate';
import { toMermaid } from '../inspect/toMermaid.js';
import { processMachine } from '../process/fromProcess.js';
import { sessionMachine } from '../session/sessionMachine.js';
import { supervisorMachine } from '../supervisor/supervisorMachine.js';
import type { DiagramName } from './args.js';

export const DIAGRAM_MACHINES: Record<DiagramName, AnyStateMachine> = {
  session: sessionMachine,
  supervisor: supervisorMachine,
  process: processMachine,
};

export function diagramText(name: DiagramName, options: { markdown?: boolean } = {}): string {
  const text = toMermaid(DIAGRAM_MACHINES[name]);
  return options.markdown ? `\`\`\`mermaid\n${text}\`\`\`\n` : text;
}
