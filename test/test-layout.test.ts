/**
 * The test folder keeps one layout, so a new file lands where the next
 * reader looks for it: test files and fixtures are named in kebab-case
 * (`process-tree.test.ts`), shared helpers live in `test/helpers/`, and
 * fixtures (programs the tests start) in `test/fixtures/`.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const testRoot = import.meta.dirname;
const KEBAB_FILE = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const testFiles = filesUnder(testRoot).map((file) => relative(testRoot, file));

describe('test folder layout', () => {
  it('names every file in kebab-case', () => {
    const misnamed = testFiles.filter((file) => !KEBAB_FILE.test(file.split('/').at(-1) ?? ''));
    expect(misnamed).toEqual([]);
  });

  it('keeps top-level files to tests: helpers go to helpers/, fixtures to fixtures/', () => {
    const loose = testFiles.filter((file) => !file.includes('/') && !file.endsWith('.test.ts'));
    expect(loose).toEqual([]);
  });

  it('keeps tests at the top level only', () => {
    const nested = testFiles.filter((file) => file.includes('/') && file.endsWith('.test.ts'));
    expect(nested).toEqual([]);
  });
});
