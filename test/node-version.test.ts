/**
 * On a Node.js older than 22, the library's entry points fail with a clear
 * message instead of a dependency's cryptic one. Needs an old Node to run
 * the built package with: the system's `/usr/bin/node` when it is one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../src/ground/nodeVersion.js';
import { ensureBuilt, repoRoot } from './helpers/cli.js';

const OLD_NODE = '/usr/bin/node';
const oldVersion = existsSync(OLD_NODE)
  ? execFileSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
  : undefined;
const haveOldNode = oldVersion !== undefined && Number(oldVersion.split('.')[0]) < 22;
if (!haveOldNode) {
  console.warn(
    `node-version: skipping the old-Node runs: ${OLD_NODE} is ${oldVersion ? `v${oldVersion}` : 'missing'}, not older than 22.`,
  );
}

describe('nodeVersionProblem', () => {
  it('accepts 22 and later, names anything older', () => {
    expect(nodeVersionProblem('22.0.0')).toBeUndefined();
    expect(nodeVersionProblem('24.3.1')).toBeUndefined();
    expect(nodeVersionProblem('20.20.2')).toBe('needs Node.js >= 22; this is v20.20.2');
    expect(nodeVersionProblem('v18.0.0')).toBe('needs Node.js >= 22; this is v18.0.0');
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined();
  });
});

describe.runIf(haveOldNode)(`the built package on ${OLD_NODE} (v${oldVersion})`, () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it.each([
    ['xstate-otp', 'dist/index.js'],
    ['xstate-otp/testing', 'dist/testing/index.js'],
    ['xstate-otp/store', 'dist/store/index.js'],
    ['xstate-otp/otel', 'dist/otel/index.js'],
  ])('importing %s throws a clear error', (_, entry) => {
    const url = pathToFileURL(join(repoRoot, entry)).href;
    const result = spawnSync(
      OLD_NODE,
      [
        '-e',
        `import(${JSON.stringify(url)}).then(() => console.log('loaded'), (e) => console.log(e.message))`,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stdout.trim()).toBe(`xstate-otp needs Node.js >= 22; this is v${oldVersion}`);
  });

  it('the CLI says so in one line and exits 1', () => {
    const result = spawnSync(OLD_NODE, [join(repoRoot, 'dist/cli/main.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`xstate-otp: needs Node.js >= 22; this is v${oldVersion}\n`);
  });
});
