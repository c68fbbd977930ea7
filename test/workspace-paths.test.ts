import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { SESSION_ID_PATTERN } from '../src/store/index.js';
import {
  defaultWorkspaceRoot,
  isWithin,
  planFromRecord,
  workspaceBranch,
  workspacePath,
} from '../src/workspace/index.js';
import { tempDir } from './helpers/workspaces.js';

const hostile = [
  '..',
  '.',
  '../etc',
  'a/../../b',
  '/etc/passwd',
  'a/b',
  'a\\b',
  '',
  ' ',
  'a\0b',
  '.git',
  'x'.repeat(65),
  'ä',
];

describe('session ids cannot escape the workspace root', () => {
  test.each(hostile)('workspacePath(root, %j) throws invalid_id', (id) => {
    expect(() => workspacePath('/srv/ws', id)).toThrow(
      expect.objectContaining({ code: 'invalid_id' }),
    );
    expect(() => workspaceBranch(id)).toThrow(expect.objectContaining({ code: 'invalid_id' }));
  });

  test('a valid id is a direct child of the root, named by the id', () => {
    for (const id of ['a', 'fix-bug_42', '-leading-dash', 'x'.repeat(64)]) {
      const path = workspacePath('/srv/ws/', id);
      expect(path).toBe(join('/srv/ws', id));
      expect(relative('/srv/ws', path)).toBe(id);
      expect(workspaceBranch(id)).toBe(`xstate-otp/${id}`);
    }
    // The same rule as session ids.
    expect(SESSION_ID_PATTERN.test('../x')).toBe(false);
  });

  test('isWithin', () => {
    expect(isWithin('/srv/ws', '/srv/ws/a')).toBe(true);
    expect(isWithin('/srv/ws', '/srv/ws')).toBe(true);
    expect(isWithin('/srv/ws', '/srv/ws-other/a')).toBe(false);
    expect(isWithin('/srv/ws', '/srv/ws/../a')).toBe(false);
    expect(isWithin('/srv/ws', '/etc')).toBe(false);
  });

  test.each(hostile.filter((id) => id !== ''))(
    'createSession with id %j and a workspace throws before anything is made',
    async (id) => {
      const root = tempDir('root');
      const manager = await createSessionManager({ workspaceRoot: root });
      expect(() =>
        manager.createSession({ id, workspace: { kind: 'temp-dir' }, children: [] }),
      ).toThrow(expect.objectContaining({ code: 'invalid_id' }));
      expect(manager.listSessions()).toEqual([]);
      await manager.stop();
    },
  );

  test('the default root is per user, under the temp directory', () => {
    expect(defaultWorkspaceRoot()).toMatch(/xstate-otp-workspaces-\w+$/);
  });

  test('a journal record is only trusted when its path and branch are what the runtime builds', () => {
    const good = {
      type: 'workspace',
      sessionId: 'a',
      at: 1,
      status: 'creating',
      kind: 'git-worktree',
      root: '/srv/ws',
      path: '/srv/ws/a',
      keep: 'never',
      repo: '/src/app',
      baseRef: 'HEAD',
      branch: 'xstate-otp/a',
    } as const;
    expect(planFromRecord(good)).toMatchObject({ path: '/srv/ws/a', branch: 'xstate-otp/a' });
    expect(planFromRecord({ ...good, path: '/srv/ws/b' })).toBeUndefined();
    expect(planFromRecord({ ...good, path: '/srv/ws/../a' })).toBeUndefined();
    expect(planFromRecord({ ...good, sessionId: '..', path: '/srv' })).toBeUndefined();
    expect(planFromRecord({ ...good, branch: 'main' })).toBeUndefined();
    expect(planFromRecord({ ...good, root: 'relative' })).toBeUndefined();
    expect(planFromRecord({ ...good, keep: 'forever' as never })).toBeUndefined();
    expect(planFromRecord({ ...good, kind: 'docker' })).toBeUndefined();
  });
});
