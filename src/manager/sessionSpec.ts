/**
 * Checking a `SessionSpec` before anything is written or started.
 */
import { nanoid } from 'nanoid';
import { definedFields } from '../ground/defined.js';
import { SupervisorError } from '../ground/errors.js';
import { jsonBytes, MAX_METADATA_BYTES } from '../ground/limits.js';
import { checkSessionId } from '../ground/sessionId.js';
import { shown } from '../ground/shown.js';
import { isPlainJsonObject, plainJsonProblem } from '../journal/index.js';
import type { Registry } from '../registry/index.js';
import {
  type ChildSpec,
  type ResolvedSupervisorOptions,
  resolveSupervisorOptions,
  type SupervisorOptions,
} from '../supervisor/index.js';
import { checkWorkspaceSpec, planWorkspace } from '../workspace/spec.js';
import type { WorkspacePlan, WorkspaceSpec } from '../workspace/types.js';

export { checkSessionId, SESSION_ID_PATTERN } from '../ground/sessionId.js';

export interface SessionSpec {
  /** Default `nanoid()`; must match /^[A-Za-z0-9_-]{1,64}$/. */
  id?: string;
  children: ChildSpec[];
  strategy?: SupervisorOptions['strategy'];
  intensity?: number;
  period?: number;
  autoShutdown?: SupervisorOptions['autoShutdown'];
  /** Terminal `timed_out` this many ms after creation. */
  timeoutMs?: number;
  metadata?: Record<string, unknown>;
  /**
   * An isolated workspace created before the children start: a git worktree
   * on branch `xstate-otp/<id>`, or an empty temp dir. See docs/workspaces.md.
   */
  workspace?: WorkspaceSpec;
}

function invalid(message: string): SupervisorError {
  return new SupervisorError('invalid_spec', message);
}

export interface CheckedSessionSpec {
  id: string;
  /** The session's supervision, resolved once: the session's actor starts from it as it is. */
  supervisor: ResolvedSupervisorOptions;
  timeoutMs: number | undefined;
  metadata: Record<string, unknown> | undefined;
  /** Where and how its workspace is made, when it asks for one. */
  workspace: WorkspacePlan | undefined;
}

/** What a spec is checked against: the manager's defaults and places. */
export interface SpecDefaults {
  timeoutMs: number | undefined;
  /** The registry the session's supervisor gets, so `registerAs` is checked as it will run. */
  registry: Registry;
  workspaceRoot: string;
}

/** Validates everything a session needs; throws `SessionError` / `SupervisorError('invalid_spec')`. */
export function checkSessionSpec(spec: SessionSpec, defaults: SpecDefaults): CheckedSessionSpec {
  if (typeof spec !== 'object' || spec === null) throw invalid('A session spec must be an object.');
  const id = spec.id === undefined ? nanoid() : checkSessionId(spec.id);
  if (!Array.isArray(spec.children)) {
    throw invalid(`Session "${id}": children must be an array of child specs.`);
  }
  const supervisor = {
    children: spec.children,
    ...definedFields({ strategy: spec.strategy }),
    ...definedFields({ intensity: spec.intensity }),
    ...definedFields({ period: spec.period }),
    ...definedFields({ autoShutdown: spec.autoShutdown }),
  };
  let resolved: ResolvedSupervisorOptions;
  try {
    resolved = resolveSupervisorOptions({ ...supervisor, registry: defaults.registry });
  } catch (error) {
    if (error instanceof SupervisorError) {
      throw new SupervisorError('invalid_spec', `Session "${id}": ${error.message}`, {
        cause: error,
        ...definedFields({ childId: error.childId }),
      });
    }
    throw error;
  }
  const timeoutMs = spec.timeoutMs ?? defaults.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))
  ) {
    throw invalid(
      `Session "${id}": timeoutMs must be a finite number of ms > 0; got ${shown(timeoutMs)}.`,
    );
  }
  const { metadata } = spec;
  if (metadata !== undefined) {
    // The journal must be able to hold whatever is accepted here: plain JSON
    // only (no Date, no toJSON, no class instances, no NaN), or the record
    // would be refused later, after the session had started.
    if (!isPlainJsonObject(metadata)) {
      const problem = plainJsonProblem(metadata, 'metadata') ?? 'metadata is not an object';
      throw invalid(`Session "${id}": metadata must be a plain JSON object: ${problem}.`);
    }
    // Metadata goes into the journal, every view and every dashboard client: bounded.
    const bytes = jsonBytes(metadata);
    if (bytes > MAX_METADATA_BYTES) {
      throw invalid(
        `Session "${id}": metadata is ${bytes} bytes of JSON; the limit is ${MAX_METADATA_BYTES} (MAX_METADATA_BYTES). Keep large data (logs, documents) elsewhere and put a reference to it in metadata.`,
      );
    }
  }
  const workspace =
    spec.workspace === undefined
      ? undefined
      : planWorkspace(
          checkWorkspaceSpec(spec.workspace, `Session "${id}"`),
          defaults.workspaceRoot,
          id,
        );
  return { id, supervisor: resolved, timeoutMs, metadata, workspace };
}
