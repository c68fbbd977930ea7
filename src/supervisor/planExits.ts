/**
 * The plan for a child whose current incarnation ended on its own (the
 * machine has checked that it is not an earlier incarnation's late news):
 * settled, restarted as its restart type and the strategy say, or the end
 * of the supervisor (auto-shutdown, or the intensity given up).
 *
 * ```ts
 * childExited(context, at, { id: 'w', kind: 'abnormal', error });
 * ```
 */
import type { SupervisorContext } from './childTable.js';
import { type ExitKind, planExit } from './decisions.js';
import { type Circumstances, type Plan, PlanBuilder } from './plan.js';
import { restart } from './planRestarts.js';

export function childExited(
  context: SupervisorContext,
  at: Circumstances,
  exit: { id: string; kind: ExitKind; error?: unknown },
): Plan {
  const plan = new PlanBuilder(context, at);
  const record = plan.table.get(exit.id)!;
  plan.reap(record.incarnation);
  if (record.stopping || plan.ending) {
    // Asked to stop and left on its own: not a failure (OTP unlinks first).
    plan.settle(exit.id);
    return plan.done();
  }
  const decision = planExit(plan.table, plan.options, plan.restartLog, exit, at.now, at.random());
  if (decision.kind === 'settle') {
    plan.settle(exit.id);
    if (decision.endsSupervisor) plan.end({ kind: 'auto_shutdown' });
    return plan.done();
  }
  const cause = exit.kind === 'abnormal' ? exit.error : new Error('exited normally');
  restart(plan, exit.id, decision, cause);
  return plan.done();
}
