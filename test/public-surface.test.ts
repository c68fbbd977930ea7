/**
 * The public surface stays small and unambiguous: the main entry exports
 * what an application calls (at most 30 runtime names, every one DESIGN
 * promises among them), each name comes from exactly one entry, and the
 * source tree is laid out so that a reader finds a layer's surface in its
 * folder's `index.ts`. Checked on the built package, as users import it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers/cli.js';

const MAX_MAIN_RUNTIME_NAMES = 30;

/** The runtime names the public API promises on the main entry: the contract. */
const DESIGN_MAIN_NAMES = [
  'createSupervisor',
  'startChild',
  'terminateChild',
  'restartChild',
  'deleteChild',
  'whichChildren',
  'countChildren',
  'SHUTDOWN_EVENT',
  'OtpError',
  'SupervisorError',
  'RegistryError',
  'SessionError',
  'JournalError',
  'ClusterError',
  'ProcessExitError',
  'createRegistry',
  'sessionSupervisorKey',
  'createSessionManager',
  'sessionMachine',
  'fromProcess',
  'toMermaid',
  'supervisionTree',
];

interface PackageManifest {
  exports: Record<string, string | { types: string; import: string }>;
}

const manifest = JSON.parse(
  readFileSync(join(repoRoot, 'package.json'), 'utf8'),
) as PackageManifest;
const entries = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ subpath, ...target }],
);

function entryNamed(subpath: string) {
  const entry = entries.find((candidate) => candidate.subpath === subpath);
  if (entry === undefined) throw new Error(`package.json exports no ${subpath}`);
  return entry;
}

async function runtimeNames(subpath: string): Promise<string[]> {
  const module = (await import(
    pathToFileURL(join(repoRoot, entryNamed(subpath).import)).href
  )) as Record<string, unknown>;
  return Object.keys(module).sort();
}

/** Every name an entry's declarations export, types included (one compile for all entries). */
let declared: Map<string, string[]> | undefined;
function declaredNames(): Map<string, string[]> {
  declared ??= compileDeclaredNames();
  return declared;
}

function compileDeclaredNames(): Map<string, string[]> {
  const files = entries.map((entry) => join(repoRoot, entry.types));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  for (const entry of entries) {
    const source = program.getSourceFile(join(repoRoot, entry.types));
    const symbol = source && checker.getSymbolAtLocation(source);
    if (symbol === undefined) throw new Error(`no declarations at ${entry.types}`);
    names.set(
      entry.subpath,
      checker
        .getExportsOfModule(symbol)
        .map((exported) => exported.name)
        .sort(),
    );
  }
  return names;
}

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('the main entry', () => {
  it(`exports at most ${MAX_MAIN_RUNTIME_NAMES} runtime names`, async () => {
    const names = await runtimeNames('.');
    expect(names.length, names.join(', ')).toBeLessThanOrEqual(MAX_MAIN_RUNTIME_NAMES);
  });

  it('exports every runtime name DESIGN lists', async () => {
    const names = await runtimeNames('.');
    expect(DESIGN_MAIN_NAMES.filter((name) => !names.includes(name))).toEqual([]);
  });
});

describe('the entries', () => {
  it('are the six documented ones', () => {
    expect(entries.map((entry) => entry.subpath).sort()).toEqual([
      '.',
      './dashboard',
      './nats',
      './otel',
      './store',
      './testing',
    ]);
  });

  it('export no name twice, types included', () => {
    const owners = new Map<string, string[]>();
    for (const [subpath, names] of declaredNames()) {
      for (const name of names) owners.set(name, [...(owners.get(name) ?? []), subpath]);
    }
    const twice = [...owners].filter(([, subpaths]) => subpaths.length > 1);
    expect(Object.fromEntries(twice)).toEqual({});
  });

  it('declare exactly the runtime names they export', async () => {
    for (const { subpath } of entries) {
      const runtime = await runtimeNames(subpath);
      const names = declaredNames().get(subpath) ?? [];
      expect(
        runtime.filter((name) => !names.includes(name)),
        subpath,
      ).toEqual([]);
    }
  });
});

describe('the source layout', () => {
  const srcRoot = join(repoRoot, 'src');
  const folders = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => [join(dir, entry.name), ...folders(join(dir, entry.name))]);

  // Folders of TypeScript modules: the page's browser modules (`.mjs`) are assets.
  it('gives every folder of TypeScript modules in src/ an index.ts', () => {
    const missing = folders(srcRoot)
      .filter((folder) => readdirSync(folder).some((file) => file.endsWith('.ts')))
      .filter((folder) => !readdirSync(folder).includes('index.ts'))
      .map((folder) => folder.slice(srcRoot.length + 1));
    expect(missing).toEqual([]);
  });

  it('keeps no loose module at the top of src/ but the root index', () => {
    const loose = readdirSync(srcRoot, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
    expect(loose).toEqual(['index.ts']);
  });

  it('has the root import only the index of a folder', () => {
    const root = readFileSync(join(srcRoot, 'index.ts'), 'utf8');
    const specifiers = ts
      .preProcessFile(root, true, true)
      .importedFiles.map((file) => file.fileName);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !/^\.\/[a-z]+\/index\.js$/.test(specifier))).toEqual(
      [],
    );
  });
});
