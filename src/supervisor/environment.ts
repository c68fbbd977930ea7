/**
 * The environment a session hands down to everything it supervises: its id
 * and its workspace. A child finds it by walking up its parents to the
 * nearest supervisor that has one, so nested supervisors and processes started
 * deep inside a session still carry the session's marker and working tree.
 *
 * Supervisors record their environment here when their context is created,
 * rather than children reading it from a parent's snapshot: a supervisor
 * starts its first children while it initialises, when XState refuses to
 * hand out its snapshot.
 */
import type { AnyActorRef } from 'xstate';
import type { ChildEnvironment } from './types.js';

const environments = new WeakMap<AnyActorRef, ChildEnvironment>();

export function provideChildEnvironment(
  supervisor: AnyActorRef,
  environment: ChildEnvironment,
): void {
  environments.set(supervisor, environment);
}

export function findChildEnvironment(self: AnyActorRef): ChildEnvironment | undefined {
  let current: AnyActorRef | undefined = self._parent;
  while (current) {
    const environment = environments.get(current);
    if (environment) return environment;
    current = current._parent;
  }
  return undefined;
}
