/**
 * What a session hands down to everything it supervises: its id, its
 * workspace, the scope that marks its processes as this manager's, and who
 * to tell when a process starts. Passed explicitly, through the supervisor's
 * options and each child's input, never found by walking up the actor tree.
 */
export interface ChildEnvironment {
  sessionId?: string | undefined;
  workspace?: { path: string; branch?: string } | undefined;
  /** The manager's scope (a digest of its journal): marks its processes. */
  scope?: string | undefined;
  /** Called when a process starts, so the session knows to sweep at its end. */
  onProcessStart?: (() => void) | undefined;
}
