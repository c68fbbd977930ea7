/**
 * A unique-key registry of live actors, like Elixir's `Registry` with
 * `keys: :unique`, but with synchronous cleanup.
 *
 * ```ts
 * const registry = createRegistry();
 * registry.register(sessionSupervisorKey('a1'), supervisorRef);
 * registry.lookup('session_supervisor:a1'); // the ref, while it lives
 * registry.keys('session_supervisor:');     // every session supervisor key
 * ```
 *
 * Semantics:
 * - A key is held by one live actor. Registering a held key throws
 *   `RegistryError('already_registered')`; a key whose actor has stopped is
 *   free again, so a restarted child re-registers under its old key.
 * - The entry goes the moment its actor stops for any reason (done, error,
 *   stopped), synchronously, and `lookup` never returns a stopped actor.
 *   Elixir cleans up asynchronously and lets lookups see dead pids; XState's
 *   observers run synchronously, so we can do better.
 * - `subscribe` sees every change, explicit (`register`/`unregister`) and
 *   automatic (the actor stopped), unlike Elixir's listeners which only see
 *   explicit calls.
 */
import type { AnyActorRef, Subscription } from 'xstate';
import { guardCallback } from '../ground/callbackGuard.js';
import { RegistryError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';

export interface RegistryChange {
  type: 'register' | 'unregister';
  key: string;
  ref: AnyActorRef;
}

export type RegistryListener = (change: RegistryChange) => void;

export interface Registry {
  /** Throws `RegistryError('already_registered')` while the key is held by a live actor. */
  register(key: string, ref: AnyActorRef): void;
  /** Removes the key; a no-op for a key that is not registered. */
  unregister(key: string): void;
  /** The live actor under `key`, or `undefined`. Never a stopped actor. */
  lookup(key: string): AnyActorRef | undefined;
  /** Registered keys in registration order, optionally only those starting with `prefix`. */
  keys(prefix?: string): string[];
  subscribe(listener: RegistryListener): () => void;
}

interface Entry {
  ref: AnyActorRef;
  watch: Subscription;
}

const MAX_KEY_LENGTH = 512;

function isActorRef(value: unknown): value is AnyActorRef {
  const candidate = value as Partial<AnyActorRef> | null | undefined;
  return (
    typeof candidate?.getSnapshot === 'function' &&
    typeof candidate.subscribe === 'function' &&
    typeof candidate.send === 'function'
  );
}

function isLive(ref: AnyActorRef): boolean {
  return ref.getSnapshot()?.status === 'active';
}

export function createRegistry(): Registry {
  const entries = new Map<string, Entry>();
  const listeners = new Set<RegistryListener>();

  const notify = (change: RegistryChange) => {
    for (const listener of listeners) listener(change);
  };

  const remove = (key: string, entry: Entry) => {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    entry.watch.unsubscribe();
    notify({ type: 'unregister', key, ref: entry.ref });
  };

  const register = (key: string, ref: AnyActorRef) => {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new RegistryError(
        'invalid_key',
        typeof key === 'string' ? key : shown(key),
        `Registry keys are non-empty strings of at most ${MAX_KEY_LENGTH} characters; got ${shown(key)}.`,
      );
    }
    const held = entries.get(key);
    if (held) {
      if (isLive(held.ref)) {
        throw new RegistryError(
          'already_registered',
          key,
          `The key "${key}" is already registered to the live actor "${held.ref.id}". Unregister it or wait until that actor stops.`,
        );
      }
      remove(key, held);
    }
    if (!isActorRef(ref)) {
      throw new RegistryError(
        'invalid_key',
        key,
        `Cannot register "${key}": ${shown(ref)} is not an actor ref. Register what createActor returned.`,
      );
    }
    if (!isLive(ref)) {
      throw new RegistryError(
        'invalid_key',
        key,
        `Cannot register "${key}": the actor "${ref.id}" is not running (status ${ref.getSnapshot()?.status}).`,
      );
    }
    // The entry object is created before subscribing so the observer can
    // identify it even if the actor stops while we subscribe.
    const entry = { ref } as Entry;
    const drop = () => remove(key, entry);
    // An `error` handler is required: XState reports an error as unhandled
    // when any observer lacks one.
    entry.watch = ref.subscribe({ complete: drop, error: drop });
    entries.set(key, entry);
    notify({ type: 'register', key, ref });
  };

  return {
    register,
    unregister(key) {
      const entry = entries.get(key);
      if (entry) remove(key, entry);
    },
    lookup(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      // Observers are told of a `done` snapshot before `complete`; this check
      // keeps lookups exact inside that window.
      return isLive(entry.ref) ? entry.ref : undefined;
    },
    keys(prefix) {
      const all = [...entries.keys()];
      return prefix === undefined ? all : all.filter((key) => key.startsWith(prefix));
    },
    subscribe(listener) {
      // Called inside registrations and actors' observers: a throw must not reach them.
      const guarded = guardCallback('registry listener', listener);
      listeners.add(guarded);
      return () => {
        listeners.delete(guarded);
      };
    },
  };
}
