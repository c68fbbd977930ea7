/**
 * Which sessions have started processes. A session's end sweeps `/proc` for
 * processes still carrying its marker; sessions that never started one skip
 * the scan, so in-memory sessions pay nothing for it.
 */
const sessionsWithProcesses = new Set<string>();

export function noteSessionProcess(sessionId: string): void {
  sessionsWithProcesses.add(sessionId);
}

/** Whether the session started a process; forgets it, as the session has ended. */
export function takeSessionProcessNote(sessionId: string): boolean {
  return sessionsWithProcesses.delete(sessionId);
}
