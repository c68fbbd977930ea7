/** The registry key under which a session's supervisor is found. */
export function sessionSupervisorKey(sessionId: string): string {
  return `session_supervisor:${sessionId}`;
}
