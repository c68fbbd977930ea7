import { describe, expect, test } from 'vitest';
import { createActor, createMachine, fromPromise } from 'xstate';
import {
  createRegistry,
  createSupervisor,
  type RegistryChange,
  RegistryError,
  sessionSupervisorKey,
  whichChildren,
} from '../src/index.js';
import { collectCallbackWarnings } from './helpers/warnings.js';
import { workerSpecs } from './helpers/workers.js';

const idle = createMachine({
  on: { FINISH: '.done' },
  initial: 'on',
  states: { on: {}, done: { type: 'final' } },
});

describe('registry', () => {
  test('unique keys; a held key cannot be taken; lookup and keys by prefix', () => {
    const registry = createRegistry();
    const a = createActor(idle).start();
    const b = createActor(idle).start();
    registry.register(sessionSupervisorKey('s1'), a);
    registry.register('other:1', b);
    expect(registry.lookup('session_supervisor:s1')).toBe(a);
    expect(registry.keys('session_supervisor:')).toEqual(['session_supervisor:s1']);
    expect(registry.keys()).toEqual(['session_supervisor:s1', 'other:1']);
    try {
      registry.register('session_supervisor:s1', b);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe('already_registered');
    }
    expect(registry.lookup('session_supervisor:s1')).toBe(a);
    a.stop();
    b.stop();
  });

  test.each([
    ['done', (ref: ReturnType<typeof createActor<typeof idle>>) => ref.send({ type: 'FINISH' })],
    ['stopped', (ref: ReturnType<typeof createActor<typeof idle>>) => ref.stop()],
  ])(
    'the entry goes synchronously when its actor is %s, and the key can be registered again',
    (_, end) => {
      const registry = createRegistry();
      const changes: RegistryChange[] = [];
      registry.subscribe((change) => changes.push(change));
      const a = createActor(idle).start();
      registry.register('k', a);
      end(a);
      expect(registry.lookup('k')).toBeUndefined();
      expect(registry.keys()).toEqual([]);
      expect(changes.map((c) => [c.type, c.key, c.ref])).toEqual([
        ['register', 'k', a],
        ['unregister', 'k', a],
      ]);
      const b = createActor(idle).start();
      registry.register('k', b);
      expect(registry.lookup('k')).toBe(b);
      b.stop();
    },
  );

  test('the entry goes when its actor errors, without an unhandled error', async () => {
    const registry = createRegistry();
    const failing = createActor(fromPromise(async () => Promise.reject(new Error('x'))));
    failing.subscribe({ error: () => {} });
    failing.start();
    registry.register('f', failing);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failing.getSnapshot().status).toBe('error');
    expect(registry.lookup('f')).toBeUndefined();
  });

  test('lookup never returns a stopped actor, even inside a done observer', () => {
    const registry = createRegistry();
    const a = createActor(idle);
    let seen: unknown = 'unset';
    a.subscribe((snapshot) => {
      if (snapshot.status === 'done') seen = registry.lookup('k');
    });
    a.start();
    registry.register('k', a);
    a.send({ type: 'FINISH' });
    expect(seen).toBeUndefined();
  });

  test('explicit unregister notifies; unknown keys are a no-op; listeners can unsubscribe', () => {
    const registry = createRegistry();
    const changes: string[] = [];
    const off = registry.subscribe((c) => changes.push(`${c.type}:${c.key}`));
    const a = createActor(idle).start();
    registry.register('k', a);
    registry.unregister('k');
    registry.unregister('nope');
    off();
    registry.register('k', a);
    expect(changes).toEqual(['register:k', 'unregister:k']);
    a.stop();
  });

  test('invalid keys and stopped actors are refused with invalid_key', () => {
    const registry = createRegistry();
    const a = createActor(idle).start();
    for (const key of ['', 'x'.repeat(513), 42 as never, 1n as never, Symbol('k') as never]) {
      expect(() => registry.register(key, a)).toThrow(RegistryError);
    }
    for (const notARef of [undefined, null, 'a', {}, { getSnapshot: () => ({}) }]) {
      expect(() => registry.register('k', notARef as never)).toThrow(
        expect.objectContaining({
          code: 'invalid_key',
          message: expect.stringMatching(/is not an actor ref/),
        }),
      );
    }
    expect(registry.keys()).toEqual([]);
    a.stop();
    expect(() => registry.register('late', a)).toThrow(
      expect.objectContaining({ code: 'invalid_key' }),
    );
  });

  test('a listener that throws changes nothing: registrations and the actors’ own ends go on, one warning', async () => {
    const registry = createRegistry();
    const warnings = collectCallbackWarnings();
    registry.subscribe(() => {
      throw new Error('listener bug');
    });
    const heard: string[] = [];
    registry.subscribe((change) => heard.push(`${change.type}:${change.key}`));
    const a = createActor(idle).start();
    registry.register('a', a);
    a.send({ type: 'FINISH' }); // its end unregisters it, inside XState's observer
    // A supervisor registers itself inside its own action.
    const sessionSup = createActor(
      createSupervisor({ registry, registerAs: 's', children: [] }),
    ).start();
    expect(registry.lookup('s')).toBe(sessionSup);
    sessionSup.stop();
    expect(heard).toEqual(['register:a', 'unregister:a', 'register:s', 'unregister:s']);
    expect(registry.keys()).toEqual([]);
    expect(await warnings.stop()).toEqual([
      expect.stringMatching(/^A registry listener threw: listener bug\./),
    ]);
  });

  test('registerAs: a supervised child is registered, and its restarted incarnation re-registers under the same key', () => {
    const registry = createRegistry();
    const sup = createActor(
      createSupervisor({
        registry,
        registerAs: 'sup',
        children: workerSpecs(['w'], [], { registerAs: 'worker:w' }),
      }),
    ).start();
    const first = registry.lookup('worker:w')!;
    expect(first).toBe(whichChildren(sup)[0]!.ref);
    expect(registry.lookup('sup')).toBe(sup);
    first.send({ type: 'CRASH' });
    const second = registry.lookup('worker:w');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(second).toBe(whichChildren(sup)[0]!.ref);
    sup.stop();
    expect(registry.keys()).toEqual([]);
  });
});
