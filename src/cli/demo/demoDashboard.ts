/**
 * `xstate-otp demo --dashboard`: the run, served live on the web dashboard.
 *
 * ```ts
 * const dashboard = await startDemoDashboard(io, manager, { port: 0, host: '127.0.0.1' });
 * // ... the run ...
 * await dashboard.holdUntilInterrupted();   // keeps serving until Ctrl-C, then closes
 * ```
 *
 * The address is printed before the run starts. A run is over in seconds,
 * so once it is, the dashboard keeps serving it (the sessions, their
 * outcomes, output and journal records) until Ctrl-C.
 */
import type { SessionManager } from '../../manager/createSessionManager.js';
import { untilInterrupted } from '../dashboardCommand.js';
import type { CliIo } from '../io.js';

export interface DemoDashboard {
  holdUntilInterrupted(): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoDashboard(
  io: CliIo,
  manager: SessionManager,
  address: { port: number; host: string },
): Promise<DemoDashboard> {
  const { serveDashboard } = await import('../../dashboard/serveDashboard.js');
  const dashboard = await serveDashboard(manager, address);
  io.out.write(`Dashboard: ${dashboard.url}\n`);
  return {
    async holdUntilInterrupted() {
      io.out.write(`The dashboard keeps serving this run at ${dashboard.url}\nCtrl-C stops it.\n`);
      await untilInterrupted();
      await dashboard.close();
    },
    close: () => dashboard.close(),
  };
}
