/**
 * Composing agent actors in a session: a context manager and an orchestrator
 * agent, supervised together, that find each other through the registry.
 *
 *   npm run build && npx node examples/agent-composition.ts
 *
 * The session runs two children under its own supervisor:
 *
 * - `context` — a ContextManager: keeps the notes the agent gathers and
 *   answers `context.request` with the ones worth a prompt. Permanent: if it
 *   crashed it would be restarted, under the same registry key.
 * - `orchestrator` — an LLMOrchestrator: asks a model for a plan, and for
 *   each step asks the context manager for context, runs the step with a
 *   tool, and files the result back as a note. A failed step makes it ask
 *   the model to reflect on the error and retry with a revised instruction.
 *   When the plan is done it finishes; it is `significant`, so the session
 *   completes with it.
 *
 * The orchestrator never holds the context manager's ref: it looks up
 * `context:<sessionId>` in the registry each time it needs it, so a restarted
 * context manager is found like the first one.
 *
 * The model and the tools are scripted here so the example is deterministic;
 * swap `scriptedModel()` for a real model client with the same two methods.
 */
import { fileURLToPath } from 'node:url';
import { type AnyActorRef, assign, fromPromise, type SnapshotFrom, sendTo, setup } from 'xstate';
import { createSessionManager, type Registry, type TerminalRecord } from 'xstate-otp';

// ── The model and the tools ────────────────────────────────────────────────

export interface Model {
  /** Breaks a goal into steps. */
  plan(goal: string, context: readonly string[]): Promise<string[]>;
  /** Given a failed step and its error, a revised instruction for the retry. */
  reflect(step: string, error: string, context: readonly string[]): Promise<string>;
}

export interface Tools {
  /** Carries out one instruction; rejects when it fails. */
  run(instruction: string, context: readonly string[]): Promise<string>;
}

/** A model whose answers are written down in advance. */
export function scriptedModel(): Model {
  return {
    plan: async () => ['read the failing test', 'patch the date parser', 'run the test suite'],
    reflect: async (step, error) =>
      error.includes('snapshot') ? `${step} and update the stale snapshot` : step,
  };
}

/**
 * Tools that behave like a real repository would: patching needs what
 * reading the test found (it comes back through the context manager), and
 * the first test run fails on a stale snapshot.
 */
export function scriptedTools(): Tools {
  return {
    run: async (instruction, context) => {
      if (instruction.startsWith('read')) return 'parseDate("2024-02-30") should throw';
      if (instruction.startsWith('patch')) {
        const finding = context.find((note) => note.startsWith('read the failing test: '));
        if (!finding) throw new Error('nothing to patch: no finding in the context');
        return `parseDate validates the day of the month, so ${finding.slice(23)}`;
      }
      if (instruction === 'run the test suite') {
        throw new Error('1 test failed: snapshot "dates.snap" is stale');
      }
      if (instruction.startsWith('run the test suite and update')) {
        return '42 tests passed, 1 snapshot updated';
      }
      throw new Error(`no tool for "${instruction}"`);
    },
  };
}

// ── The context manager ───────────────────────────────────────────────────

export type ContextEvent =
  | { type: 'context.add'; note: string }
  | { type: 'context.request'; replyTo: AnyActorRef; topic: string };

export interface ContextReply {
  type: 'context.reply';
  topic: string;
  notes: string[];
}

/** The registry key of a session's context manager. */
export const contextKey = (sessionId: string) => `context:${sessionId}`;

export const contextManager = setup({
  types: {
    context: {} as { notes: string[]; window: number },
    events: {} as ContextEvent,
    input: {} as { seed: string[]; window?: number },
  },
}).createMachine({
  id: 'contextManager',
  context: ({ input }) => ({ notes: [...input.seed], window: input.window ?? 5 }),
  on: {
    'context.add': {
      actions: assign({ notes: ({ context, event }) => [...context.notes, event.note] }),
    },
    'context.request': {
      // The latest notes that fit the window: what a prompt has room for.
      actions: sendTo(
        ({ event }) => event.replyTo,
        ({ context, event }): ContextReply => ({
          type: 'context.reply',
          topic: event.topic,
          notes: context.notes.slice(-context.window),
        }),
      ),
    },
  },
});

// ── The orchestrator agent ─────────────────────────────────────────────────

export interface OrchestratorInput {
  sessionId: string;
  goal: string;
  registry: Registry;
  model: Model;
  tools: Tools;
  /** Attempts per step before the agent gives up (and crashes). Default 3. */
  maxAttempts?: number;
}

interface OrchestratorContext extends Required<Omit<OrchestratorInput, 'registry'>> {
  registry: Registry;
  steps: string[];
  index: number;
  attempt: number;
  instruction: string;
  notes: string[];
  lastError: string;
  transcript: string[];
}

export interface OrchestratorOutput {
  goal: string;
  transcript: string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const orchestrator = setup({
  types: {
    input: {} as OrchestratorInput,
    context: {} as OrchestratorContext,
    events: {} as ContextReply,
    output: {} as OrchestratorOutput,
  },
  actors: {
    plan: fromPromise<string[], { model: Model; goal: string }>(({ input }) =>
      input.model.plan(input.goal, []),
    ),
    runStep: fromPromise<string, { tools: Tools; instruction: string; notes: string[] }>(
      ({ input }) => input.tools.run(input.instruction, input.notes),
    ),
    reflect: fromPromise<string, { model: Model; step: string; error: string; notes: string[] }>(
      ({ input }) => input.model.reflect(input.step, input.error, input.notes),
    ),
    giveUp: fromPromise<never, string>(async ({ input }) => {
      throw new Error(input);
    }),
  },
  actions: {
    note: assign({
      transcript: ({ context }, line: string) => [...context.transcript, line],
    }),
    /** Looks the context manager up by key every time: a restarted one is found the same way. */
    askForContext: ({ context, self }) => {
      const manager = context.registry.lookup(contextKey(context.sessionId));
      manager?.send({ type: 'context.request', replyTo: self, topic: context.instruction });
    },
    fileResult: ({ context }, result: string) => {
      context.registry
        .lookup(contextKey(context.sessionId))
        ?.send({ type: 'context.add', note: `${context.steps[context.index]}: ${result}` });
    },
  },
  guards: {
    canRetry: ({ context }) => context.attempt < context.maxAttempts,
    hasNextStep: ({ context }) => context.index + 1 < context.steps.length,
  },
  delays: {
    contextPatience: 500,
  },
}).createMachine({
  id: 'orchestrator',
  context: ({ input }) => ({
    ...input,
    maxAttempts: input.maxAttempts ?? 3,
    steps: [],
    index: 0,
    attempt: 1,
    instruction: '',
    notes: [],
    lastError: '',
    transcript: [],
  }),
  initial: 'planning',
  states: {
    planning: {
      invoke: {
        src: 'plan',
        input: ({ context }) => ({ model: context.model, goal: context.goal }),
        onDone: {
          target: 'working',
          actions: [
            assign({
              steps: ({ event }) => event.output,
              instruction: ({ event }) => event.output[0] ?? '',
            }),
            {
              type: 'note',
              params: ({ event }) => `plan: ${event.output.join(' → ')}`,
            },
          ],
        },
        onError: {
          target: 'gaveUp',
          actions: assign({ lastError: ({ event }) => `planning failed: ${message(event.error)}` }),
        },
      },
    },
    working: {
      initial: 'gatheringContext',
      states: {
        gatheringContext: {
          entry: 'askForContext',
          on: {
            'context.reply': {
              target: 'executing',
              actions: assign({ notes: ({ event }) => event.notes }),
            },
          },
          // No reply (no context manager right now, say): ask again.
          after: { contextPatience: { target: 'gatheringContext', reenter: true } },
        },
        executing: {
          invoke: {
            src: 'runStep',
            input: ({ context }) => ({
              tools: context.tools,
              instruction: context.instruction,
              notes: context.notes,
            }),
            onDone: {
              target: 'advancing',
              actions: [
                { type: 'fileResult', params: ({ event }) => event.output },
                {
                  type: 'note',
                  params: ({ context, event }) =>
                    `step ${context.index + 1} (attempt ${context.attempt}, ${context.notes.length} notes of context): ${context.instruction} → ${event.output}`,
                },
              ],
            },
            onError: [
              {
                guard: 'canRetry',
                target: 'reflecting',
                actions: [
                  assign({ lastError: ({ event }) => message(event.error) }),
                  {
                    type: 'note',
                    params: ({ context, event }) =>
                      `step ${context.index + 1} (attempt ${context.attempt}) failed: ${message(event.error)}`,
                  },
                ],
              },
              {
                target: '#orchestrator.gaveUp',
                actions: assign({
                  lastError: ({ context, event }) =>
                    `step "${context.steps[context.index]}" failed ${context.attempt} times: ${message(event.error)}`,
                }),
              },
            ],
          },
        },
        reflecting: {
          invoke: {
            src: 'reflect',
            input: ({ context }) => ({
              model: context.model,
              step: context.steps[context.index] ?? '',
              error: context.lastError,
              notes: context.notes,
            }),
            onDone: {
              target: 'gatheringContext',
              actions: [
                assign({
                  instruction: ({ event }) => event.output,
                  attempt: ({ context }) => context.attempt + 1,
                }),
                { type: 'note', params: ({ event }) => `retry with: ${event.output}` },
              ],
            },
            onError: { target: '#orchestrator.gaveUp' },
          },
        },
        advancing: {
          always: [
            {
              guard: 'hasNextStep',
              target: 'gatheringContext',
              actions: assign({
                index: ({ context }) => context.index + 1,
                instruction: ({ context }) => context.steps[context.index + 1] ?? '',
                attempt: 1,
              }),
            },
            { target: '#orchestrator.done' },
          ],
        },
      },
    },
    done: { type: 'final' },
    // Crashing is the agent's way to ask its supervisor for a fresh start.
    gaveUp: { invoke: { src: 'giveUp', input: ({ context }) => context.lastError } },
  },
  output: ({ context }) => ({ goal: context.goal, transcript: context.transcript }),
});

// ── The session ────────────────────────────────────────────────────────────

export interface CompositionResult {
  record: TerminalRecord;
  /** The orchestrator's output, when it finished its plan. */
  output: OrchestratorOutput | undefined;
  /** The session's registry keys while it ran: its supervisor's and the two agents'. */
  keys: string[];
}

export async function main(
  options: { model?: Model; tools?: Tools; log?: (line: string) => void } = {},
): Promise<CompositionResult> {
  const log = options.log ?? console.log;
  const manager = await createSessionManager();
  const sessionId = 'fix-date-parser';
  const session = manager.createSession({
    id: sessionId,
    // Completed when the orchestrator (significant) finishes.
    autoShutdown: 'any_significant',
    // The agents find each other through registry keys, not through refs:
    // a restarted agent is found under the same key.
    children: [
      {
        id: 'context',
        logic: contextManager,
        input: { seed: ['repo: a date utility library', 'tests: vitest'] },
        registerAs: contextKey(sessionId),
      },
      {
        id: 'orchestrator',
        logic: orchestrator,
        // A function input is called on every (re)start with the session's environment.
        input: ({ sessionId }: { sessionId: string }): OrchestratorInput => ({
          sessionId,
          goal: 'make parseDate reject impossible dates',
          registry: manager.registry,
          model: options.model ?? scriptedModel(),
          tools: options.tools ?? scriptedTools(),
        }),
        registerAs: `orchestrator:${sessionId}`,
        restart: 'transient',
        significant: true,
      },
    ],
  });
  const supervisor = manager.findSupervisor(sessionId)!;
  const keys = manager.registry.keys().filter((key) => key.endsWith(`:${sessionId}`));
  // The latest orchestrator (a crashed one is replaced by a new actor): its
  // output is read once the session has ended.
  let agent = manager.getChild(sessionId, 'orchestrator');
  supervisor.on('child.changed', (event: { id: string; ref?: AnyActorRef }) => {
    if (event.id === 'orchestrator' && event.ref) agent = event.ref;
  });
  const record = await session.done;
  await manager.stop();
  const snapshot = agent?.getSnapshot() as SnapshotFrom<typeof orchestrator> | undefined;
  const output = snapshot?.status === 'done' ? snapshot.output : undefined;

  for (const line of output?.transcript ?? []) log(line);
  log(
    `session ${record.sessionId}: ${record.outcome}${record.reason ? ` (${record.reason})` : ''}`,
  );
  return { record, output, keys };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
