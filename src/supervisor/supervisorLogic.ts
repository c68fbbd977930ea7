/**
 * Which logics count as supervisors in `countChildren` (OTP's
 * `supervisors` vs `workers`): a property of the logic itself, never a
 * registry filled on the side.
 *
 * ```ts
 * supervises(createSupervisor());          // true (it survives .provide())
 * supervises(fromProcess());               // false
 * export const sessionMachine = declareSupervisor(setup({}).createMachine({ id: 'session' }));
 * ```
 *
 * Supervisor machines carry it through their class; any other logic that
 * supervises children (a session) is marked where it is defined. As for any
 * property of a machine, `.provide()` on a marked plain machine returns an
 * unmarked one: mark the result again.
 */

/** The property that marks a logic as a supervisor. */
export const SUPERVISOR_LOGIC: unique symbol = Symbol.for('xstate-otp.supervisor');

/** Marks `logic` as a supervisor for `countChildren`; returns it. */
export function declareSupervisor<T extends object>(logic: T): T {
  Object.defineProperty(logic, SUPERVISOR_LOGIC, { value: true, configurable: true });
  return logic;
}

export function supervises(logic: unknown): boolean {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    (logic as { [SUPERVISOR_LOGIC]?: unknown })[SUPERVISOR_LOGIC] === true
  );
}
