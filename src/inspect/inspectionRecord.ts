/**
 * One XState inspection event as one bounded line of JSON.
 *
 * ```ts
 * inspectionLine(event);
 * // '{"type":"@xstate.event","at":1718000000000,"actorId":"worker","sessionId":"x:3",
 * //   "parentSessionId":"x:1","rootSessionId":"x:0","sourceSessionId":"x:1",
 * //   "event":{"type":"WORK","job":{"actorId":"job-7"}}}'
 * ```
 *
 * Fields: `type`, `at` (ms; the system's clock, so a `SimulatedClock` run
 * stays deterministic), `actorId` (`actorRef.id`), `sessionId`, and when they
 * apply `systemId`, `parentSessionId`, `rootSessionId`, `sourceSessionId`
 * (sender of an `@xstate.event`), `event` (safely serialised),
 * `action` (`@xstate.action`) and `snapshot: { status, value?, error? }`.
 * Contexts are left out on purpose: they are the bulk of any snapshot, and
 * the events that built them are already in the file.
 *
 * A line longer than `maxLineBytes` first loses its payloads (`event` keeps
 * only its `type`, `snapshot` its `status`) and is marked `truncated: true`;
 * if even that is too long (absurd ids), ids are cut too.
 *
 * @module
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { parentOf } from '../supervisor/xstateInternals.js';
import { toSafeJson } from './safeJson.js';

export interface InspectionRecord {
  type: string;
  at: number;
  actorId: string;
  sessionId: string;
  systemId?: string;
  parentSessionId?: string;
  rootSessionId?: string;
  sourceSessionId?: string;
  event?: { type: string; [key: string]: unknown };
  action?: { type: string; params?: unknown };
  snapshot?: { status: string; value?: unknown; error?: unknown };
  truncated?: true;
}

/** Default bound for one line, in UTF-8 bytes (newline excluded). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

interface RefFields {
  id?: unknown;
  sessionId?: unknown;
  systemId?: unknown;
  options?: { systemId?: unknown };
}

/** The record for `event`; never throws. */
export function inspectionRecord(event: InspectionEvent): InspectionRecord {
  const ref = (event.actorRef ?? {}) as RefFields;
  const record: InspectionRecord = {
    type: String(event.type),
    at: now(event.actorRef),
    actorId: text(ref.id) ?? text(ref.sessionId) ?? '',
    sessionId: text(ref.sessionId) ?? '',
  };
  // XState announces an actor (`@xstate.actor`) before it assigns
  // `systemId`; the option it is about to use is already there.
  const systemId = text(ref.systemId) ?? text(ref.options?.systemId);
  if (systemId !== undefined) record.systemId = systemId;
  const parent = text(parentSessionId(event.actorRef as AnyActorRef | undefined));
  if (parent !== undefined) record.parentSessionId = parent;
  const root = text(event.rootId);
  if (root !== undefined) record.rootSessionId = root;
  if (event.type === '@xstate.event') {
    const source = text((event.sourceRef as RefFields | undefined)?.sessionId);
    if (source !== undefined) record.sourceSessionId = source;
  }
  if ('event' in event && event.event) record.event = eventJson(event.event);
  if (event.type === '@xstate.action') {
    record.action = { type: String(event.action?.type) };
    const params = toSafeJson(event.action?.params);
    if (params !== undefined) record.action.params = params;
  }
  if ('snapshot' in event && event.snapshot) record.snapshot = snapshotJson(event.snapshot);
  return record;
}

/** `inspectionRecord(event)` as JSON, at most `maxLineBytes` long; never throws. */
export function inspectionLine(
  event: InspectionEvent,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): string {
  let record: InspectionRecord;
  try {
    record = inspectionRecord(event);
  } catch {
    record = { type: String(event?.type), at: Date.now(), actorId: '', sessionId: '' };
  }
  const full = JSON.stringify(record);
  if (fits(full, maxLineBytes)) return full;

  const slim: InspectionRecord = { ...record, truncated: true };
  delete slim.action;
  if (record.event) slim.event = { type: record.event.type };
  if (record.snapshot) slim.snapshot = { status: record.snapshot.status };
  const reduced = JSON.stringify(slim);
  if (fits(reduced, maxLineBytes)) return reduced;

  // Only the strings themselves can still be too long. JSON may spend up to 6
  // bytes on one character (`\u0000`), so three strings of max/32 characters
  // stay under 60% of the bound, leaving room for the keys.
  const budget = Math.max(8, Math.floor(maxLineBytes / 32));
  const short = (s: string) => s.slice(0, budget);
  return JSON.stringify({
    type: short(record.type),
    at: record.at,
    actorId: short(record.actorId),
    sessionId: short(record.sessionId),
    truncated: true,
  } satisfies InspectionRecord);
}

function fits(line: string, maxBytes: number): boolean {
  return line.length <= maxBytes / 3 || Buffer.byteLength(line) <= maxBytes;
}

function eventJson(event: unknown): InspectionRecord['event'] {
  const json = toSafeJson(event);
  const type = (event as { type?: unknown }).type;
  const base = json && typeof json === 'object' && !Array.isArray(json) ? json : {};
  return {
    ...(base as Record<string, unknown>),
    type: typeof type === 'string' ? type : String(type),
  };
}

function snapshotJson(snapshot: unknown): InspectionRecord['snapshot'] {
  const s = snapshot as { status?: unknown; value?: unknown; error?: unknown };
  const out: NonNullable<InspectionRecord['snapshot']> = { status: String(s.status) };
  // Only machine snapshots have a `value`; other logic's snapshot has none.
  if ('value' in s && s.value !== undefined) out.value = toSafeJson(s.value);
  if (s.status === 'error') out.error = toSafeJson(s.error) ?? null;
  return out;
}

function now(ref: unknown): number {
  try {
    return systemNow(ref as AnyActorRef);
  } catch {
    return Date.now();
  }
}

function parentSessionId(ref: AnyActorRef | undefined): unknown {
  return ref ? parentOf(ref)?.sessionId : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
