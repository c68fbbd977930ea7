/**
 * Checking a `SessionSpec` before anything is written or started.
 */
import { nanoid } from 'nanoid';
import { definedFields } from '../ground/defined.js';
import { errorMessage } from '../ground/errorMessage.js';
import { SupervisorError } from '../ground/errors.js';
import { jsonBytes, MAX_METADATA_BYTES } from '../ground/limits.js';
import { checkSessionId } from '../ground/sessionId.js';
import { shown } from '../ground/shown.js';
import { isPlainJsonObject, plainJsonProblem } from '../journal/index.js';
import type { Registry } from '../registry/index.js';
import {
  type ChildSpec,
  type ResolvedSupervisorOptions,
  type ResumePolicy,
  resolveSupervisorOptions,
  type SupervisorOptions,
} from '../supervisor/index.js';
import { checkWorkspaceSpec, planWorkspace } from '../workspace/spec.js';
import type { WorkspacePlan, WorkspaceSpec } from '../workspace/types.js';

export { checkSessionId, SESSION_ID_PATTERN } from '../ground/sessionId.js';

export interface SessionSpec {
  /** Default `nanoid()`; must match /^[A-Za-z0-9_-]{1,64}$/. */
  id?: string;
  /** Inline children: the session is not durable. Exclusive with `type`. */
  children?: ChildSpec[];
  /**
   * A durable session: the name of one of the manager's `sessionTypes`,
   * which builds the children (and options) from `input`. Any run of a
   * manager with the type can rebuild and resume it (docs/sessions.md).
   */
  type?: string;
  /** A durable session's input, plain JSON: given to its type's function on every attempt. */
  input?: unknown;
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

/**
 * What a session type's function returns: the session's children and
 * supervision options, and its workspace if it wants one (built from the
 * input like the rest, so every attempt plans the same workspace; give
 * `repo` as an absolute path, since a relative one resolves against the
 * cwd of the host that runs the attempt). A durable session's id, metadata
 * and input come from `createSession`; `timeoutMs` here is the type's default.
 */
export type SessionTypeSpec = Omit<SessionSpec, 'id' | 'type' | 'input' | 'metadata'> & {
  children: ChildSpec[];
};

/** Builds a durable session of one type from its JSON input, on any host and attempt. */
// biome-ignore lint/suspicious/noExplicitAny: each type declares its own input shape.
export type SessionType = (input: any) => SessionTypeSpec;

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
  /** Set for a durable session: how any host rebuilds it. */
  durable?: { type: string; input: unknown };
}

/** What a spec is checked against: the manager's defaults and places. */
export interface SpecDefaults {
  timeoutMs: number | undefined;
  /** The registry the session's supervisor gets, so `registerAs` is checked as it will run. */
  registry: Registry;
  workspaceRoot: string;
  /** The manager's `sessionTypes`: what a durable spec's `type` names. */
  sessionTypes?: Record<string, SessionType> | undefined;
}

/**
 * A durable spec made concrete: its type's children and options, with the
 * spec's own id, metadata and timeout. Throws `invalid_spec` for an unknown
 * type, `type` with `children`, an input that is not plain JSON, a type
 * function that throws or returns no children.
 */
export function expandSessionType(
  spec: SessionSpec,
  sessionTypes: Record<string, SessionType> | undefined,
  where: string,
): SessionSpec {
  const { type, input } = spec;
  if (typeof type !== 'string' || type === '') {
    throw invalid(`${where}: type must be a non-empty string; got ${shown(type)}.`);
  }
  if (spec.workspace !== undefined) {
    // Every attempt rebuilds the session from its type and input alone.
    throw invalid(
      `${where}: a durable session's workspace comes from its type: return "workspace" from the type's function, not from createSession.`,
    );
  }
  if (spec.children !== undefined) {
    throw invalid(
      `${where}: give either a "type" (a durable session, built by that type) or inline "children", not both.`,
    );
  }
  const build = sessionTypes && Object.hasOwn(sessionTypes, type) ? sessionTypes[type] : undefined;
  if (!build) {
    const known = Object.keys(sessionTypes ?? {});
    throw invalid(
      `${where}: unknown session type ${shown(type)}; this manager's sessionTypes are ${known.length ? known.map((k) => shown(k)).join(', ') : '(none)'}.`,
    );
  }
  const problem = input === undefined ? undefined : plainJsonProblem(input, 'input');
  if (problem !== undefined) {
    throw invalid(`${where}: a durable session's input must be plain JSON: ${problem}.`);
  }
  let built: SessionTypeSpec;
  try {
    built = build(input);
  } catch (error) {
    throw new SupervisorError(
      'invalid_spec',
      `${where}: session type ${shown(type)} could not build the session from its input: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  if (typeof built !== 'object' || built === null || !Array.isArray(built.children)) {
    throw invalid(`${where}: session type ${shown(type)} must return { children: [...] }.`);
  }
  for (const child of built.children) {
    const resume = (child as ChildSpec | undefined)?.resume;
    if (resume !== undefined && !RESUME_POLICIES.includes(resume)) {
      throw invalid(
        `${where}: child ${shown(child.id)}: resume must be one of ${RESUME_POLICIES.join(', ')}; got ${shown(resume)}.`,
      );
    }
    const resumeInput = (child as ChildSpec | undefined)?.resumeInput;
    if (resumeInput !== undefined && typeof resumeInput !== 'function') {
      throw invalid(`${where}: child ${shown(child.id)}: resumeInput must be a function.`);
    }
  }
  return {
    ...built,
    ...definedFields({ id: spec.id, metadata: spec.metadata }),
    ...definedFields({ timeoutMs: spec.timeoutMs ?? built.timeoutMs }),
  };
}

const RESUME_POLICIES: readonly ResumePolicy[] = ['snapshot', 'restart', 'never'];

/** Validates everything a session needs; throws `SessionError` / `SupervisorError('invalid_spec')`. */
export function checkSessionSpec(spec: SessionSpec, defaults: SpecDefaults): CheckedSessionSpec {
  if (typeof spec !== 'object' || spec === null) throw invalid('A session spec must be an object.');
  const id = spec.id === undefined ? nanoid() : checkSessionId(spec.id);
  if (spec.type !== undefined || spec.input !== undefined) {
    const durable = { type: spec.type as string, input: spec.input };
    const expanded = expandSessionType(spec, defaults.sessionTypes, `Session "${id}"`);
    return { ...checkSessionSpec({ ...expanded, id }, defaults), durable };
  }
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
