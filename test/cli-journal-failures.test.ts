/**
 * The built CLI on a journal it cannot write: a full disk, a nearly full
 * one, a read-only file system. Each is one line on stderr with advice for
 * a shell user, nothing on stdout, and no temp file left behind. Needs root
 * to mount a small tmpfs; skipped with a message otherwise.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { mountTmpfs } from './helpers/tmpfs.js';

const disk = mountTmpfs('cli-journal-failures', 64 * 1024);
afterAll(() => disk.unmount());

describe.runIf(disk.mounted)('xstate-otp demo on a small real file system (built)', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
  });
  beforeEach(async () => {
    dir = join(disk.path, `case-${Math.random().toString(36).slice(2)}`);
    await mkdir(dir);
  });
  afterEach(async () => {
    disk.free();
    disk.readOnly(false);
    await rm(dir, { recursive: true, force: true });
  });

  const demo = () => runCli(['demo', '--fast', '--journal', join(dir, 'j.jsonl')], { cwd: dir });

  function expectCliAdvice(result: { code: number | null; stdout: string; stderr: string }) {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`journal ${join(dir, 'j.jsonl')}`);
    expect(result.stderr).not.toMatch(/close it|\.tmp/i); // library advice, internal files
    expect(readdirSync(dir).filter((name) => /\.tmp$|\.lock$/.test(name))).toEqual([]);
  }

  it('a full disk: one line saying so, nothing on stdout, no temp file left', async () => {
    disk.fill();
    const result = await demo();
    expectCliAdvice(result);
    expect(result.stderr).toMatch(
      /the disk is full \(ENOSPC\)\. Free some space, or pass --journal/,
    );
  });

  it('a disk too full for a run: refused before anything is shown', async () => {
    // 48 of 64 KiB taken: the journal opens, but a run needs more room than is left.
    writeFileSync(join(disk.path, 'filler'), Buffer.alloc(48 * 1024));
    const result = await demo();
    expectCliAdvice(result);
    expect(result.stderr).toMatch(/the disk is full \(\d+ KiB free; the demo needs 64 KiB\)/);
  });

  it('a read-only file system: one line naming the journal, not a temp file', async () => {
    disk.readOnly(true);
    const result = await demo();
    expectCliAdvice(result);
    expect(result.stderr).toMatch(/read-only \(EROFS\)\. Pass --journal PATH on a writable/);
  });
});
