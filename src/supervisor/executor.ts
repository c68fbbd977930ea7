/**
 * The executor: the one place where a supervisor's plans touch actors. The
 * machine runs it as an XState action (`performEffects`) right after it
 * assigned the plan's context, so it sees the table the plan made; the
 * action defers the work to the end of the macrostep, once the snapshot is
 * updated, where XState starts the children it spawns itself.
 *
 * ```ts
 * performEffects(self, context, plan.effects);
 * ```
 *
 * Effects run in order. A start fills its incarnation with the started
 * actor; a start that fails skips the plan's later starts and is reported
 * to the supervisor itself (`otp.child.startFailed`), whose mailbox handles
 * it next, before the `send` that caused it returns. `child.changed` is
 * emitted in order with the starts and stops, after the snapshot is
 * updated as XState's own `emit` is, and not for a start that never happened.
 */
import type { AnyActorRef } from 'xstate';
import { reapOrphans, startChildActor, stopChildActor } from './childActors.js';
import { childChanged, type SupervisorContext } from './childTable.js';
import type { Effect } from './plan.js';
import type { StartFailedEvent } from './planStarts.js';
import { afterUpdate, emitFrom } from './xstateInternals.js';

export function performEffects(
  self: AnyActorRef,
  context: SupervisorContext,
  effects: readonly Effect[],
): void {
  afterUpdate(self, () => perform(self, context, effects));
}

function perform(self: AnyActorRef, context: SupervisorContext, effects: readonly Effect[]): void {
  let failure: Omit<StartFailedEvent, 'skipped'> | undefined;
  const skipped: string[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'start': {
        const { spec, incarnation, onFailure } = effect;
        if (failure) {
          skipped.push(spec.id);
          break;
        }
        try {
          incarnation.ref = startChildActor(spec, self, context.options);
        } catch (error) {
          failure = { type: 'otp.child.startFailed', id: spec.id, incarnation, error, onFailure };
        }
        break;
      }
      case 'stop':
        stopChildActor(effect.incarnation.ref);
        break;
      case 'reap':
        if (effect.incarnation.ref) reapOrphans(effect.incarnation.ref);
        break;
      case 'notify': {
        const { id, record, totalRestarts } = effect;
        // A start that failed or was skipped never ran: nothing to announce.
        if (record?.status === 'running' && record.incarnation?.ref === undefined) break;
        emitFrom(self, childChanged(id, record, totalRestarts));
        break;
      }
      case 'emit':
        emitFrom(self, effect.event);
        break;
    }
  }
  if (failure) self.send({ ...failure, skipped });
}
