/**
 * A small real file system for full-disk and read-only tests: a tmpfs of a
 * given size, mounted at module load. Mounting needs root (CAP_SYS_ADMIN);
 * where it is refused the tests that need it are skipped with a message
 * (not a regression, so not a CI failure either).
 *
 * ```ts
 * const disk = mountTmpfs('journal-faults', 64 * 1024);
 * describe.runIf(disk.mounted)('on a full disk', () => {
 *   it('…', () => { disk.fill(); … });
 * });
 * afterAll(() => disk.unmount());
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  mounted: boolean;
  path: string;
  /** Takes every free block (a file `filler` at the root). */
  fill(): void;
  /** Gives the filler's blocks back. */
  free(): void;
  readOnly(on: boolean): void;
  unmount(): void;
}

export function mountTmpfs(name: string, bytes: number): Tmpfs {
  const path = join(tmpdir(), `${name}-tmpfs-${process.pid}`);
  const filler = join(path, 'filler');
  let mounted = false;
  try {
    mkdirSync(path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    const why = String((error as { stderr?: unknown }).stderr || (error as Error).message).trim();
    rmSync(path, { recursive: true, force: true });
    console.warn(
      `${name}: skipping the tests on a real small file system: cannot mount a tmpfs here (${why}). They need root.`,
    );
  }
  return {
    mounted,
    path,
    fill() {
      const block = Buffer.alloc(4096, 1);
      for (let i = 0; i < bytes / 4096 + 1; i++) {
        try {
          writeFileSync(filler, block, { flag: 'a' });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw error;
        }
      }
      throw new Error(`the tmpfs at ${path} never filled up`);
    },
    free() {
      rmSync(filler, { force: true });
    },
    readOnly(on) {
      execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, path]);
    },
    unmount() {
      if (!mounted) return;
      execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
      mounted = false;
    },
  };
}
