/**
 * The environment a session hands down to what it supervises, passed
 * explicitly: a supervisor gives it to each child it starts, never by
 * letting a child look up its ancestors.
 *
 * ```ts
 * const supervisor = createSupervisor({ children: [
 *   // An input function gets the environment on every (re)start:
 *   { id: 'agent', logic: agentMachine, input: ({ sessionId, workspace }: ChildEnvironment) => ({ sessionId, cwd: workspace?.path }) },
 *   // A logic that takes the environment gets it merged into its input, as `input.environment`:
 *   { id: 'build', logic: fromProcess(), input: { command: 'make' } },
 * ] });
 * ```
 *
 * A logic takes the environment when it says so with `takeEnvironment(logic)`
 * (supervisors and `fromProcess` do). The supervisor then starts it with
 * `{ ...input, environment: { ...supervisorEnvironment, ...input.environment } }`:
 * what the child spec gives explicitly wins. Any other logic gets its input
 * untouched; it sees the environment only through an input function.
 *
 * The mark is a property of the logic object, so a machine's `.provide()`,
 * which builds a new machine, does not carry it: mark the provided machine
 * again (supervisors carry it through `.provide()` themselves).
 */

/** What a session hands down: its id, its workspace, its journal's scope and a hook. */
export interface ChildEnvironment {
  /** The session the child runs for; `fromProcess` marks its processes with it. */
  sessionId?: string | undefined;
  /** The session's workspace; `fromProcess` runs there when its input has no `cwd`. */
  workspace?: { path: string; branch?: string | undefined } | undefined;
  /** Identity of the journal of the manager that runs the session; marks processes too. */
  scope?: string | undefined;
  /** Called by `fromProcess` each time it spawns a process for this environment. */
  onProcessStart?: (() => void) | undefined;
}

/** The property that marks a logic as taking the environment through its input. */
export const TAKES_ENVIRONMENT: unique symbol = Symbol.for('xstate-otp.takesEnvironment');

/** Marks `logic` as taking the environment in `input.environment`; returns it. */
export function takeEnvironment<T extends object>(logic: T): T {
  Object.defineProperty(logic, TAKES_ENVIRONMENT, { value: true, configurable: true });
  return logic;
}

/** Whether a supervisor should merge its environment into this logic's input. */
export function takesEnvironment(logic: unknown): boolean {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    (logic as { [TAKES_ENVIRONMENT]?: unknown })[TAKES_ENVIRONMENT] === true
  );
}

/**
 * The input a logic that takes the environment is started with. An input
 * that is not an object (nor absent) is left as it is, for the logic to
 * report as bad input.
 */
export function inputWithEnvironment(input: unknown, environment: ChildEnvironment): unknown {
  if (input === undefined) return { environment };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const own = (input as { environment?: ChildEnvironment }).environment;
  return { ...input, environment: own === undefined ? environment : { ...environment, ...own } };
}
