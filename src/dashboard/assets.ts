/**
 * The files the page loads, all from this package: the page's own modules
 * (`page/*.mjs`, next to this file in `src/` and in `dist/`) and, as vendor
 * modules, Preact, its hooks, htm and Mermaid. No CDN: the dashboard works
 * offline.
 *
 * The vendor modules are not runtime dependencies: the build copies their
 * prebuilt browser files into `dist/dashboard/vendor/`
 * (`scripts/vendor-assets.mjs`), so installing the package never pulls in
 * Mermaid's dependency tree. Mermaid's single-file build is stored gzipped
 * (`mermaid.min.js.gz`) and inflated once, on the first request. Run from
 * the sources (tests, a checkout), where there is no `vendor/` folder beside
 * this file, the same files are read from the devDependencies.
 *
 * ```ts
 * const assets = createAssets();
 * await assets.get('/assets/main.mjs');     // { body, type: 'text/javascript; charset=utf-8' }
 * await assets.get('/vendor/preact.mjs');   // preact's ES module build
 * await assets.get('/assets/../x');         // undefined: only plain file names are served
 * ```
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

export interface Asset {
  body: Buffer;
  type: string;
}

export interface Assets {
  get(pathname: string): Promise<Asset | undefined>;
}

const JS = 'text/javascript; charset=utf-8';
const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const PAGE_FILE = /^\/assets\/([a-z][a-zA-Z0-9-]*\.mjs(?:\.map)?)$/;
const VENDOR_DIR = fileURLToPath(new URL('./vendor/', import.meta.url));
const inflate = promisify(gunzip);

/**
 * Vendor modules by URL: the file name in `vendor/`, and where the
 * devDependency keeps it (each package's CommonJS entry is resolved, and the
 * browser build taken from the same folder). Keep in step with
 * `scripts/vendor-assets.mjs`.
 */
const VENDOR_FILES: Record<string, { name: string; specifier: string; file: string }> = {
  '/vendor/preact.mjs': { name: 'preact.mjs', specifier: 'preact', file: 'preact.module.js' },
  '/vendor/preact-hooks.mjs': {
    name: 'preact-hooks.mjs',
    specifier: 'preact/hooks',
    file: 'hooks.module.js',
  },
  '/vendor/htm.mjs': { name: 'htm.mjs', specifier: 'htm', file: 'htm.module.js' },
  // A classic script that defines `window.mermaid`.
  '/vendor/mermaid.min.js': {
    name: 'mermaid.min.js',
    specifier: 'mermaid',
    file: 'mermaid.min.js',
  },
};

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** A vendor module: the packaged copy (plain or gzipped), else the devDependency's file. */
async function readVendor(name: string, specifier: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(VENDOR_DIR, name));
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  try {
    return await inflate(await readFile(join(VENDOR_DIR, `${name}.gz`)));
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const require = createRequire(import.meta.url);
  return readFile(join(dirname(require.resolve(specifier)), file));
}

/** The import map the page shell declares, so page modules import bare `preact` and `htm`. */
export const IMPORT_MAP = {
  imports: {
    preact: './vendor/preact.mjs',
    'preact/hooks': './vendor/preact-hooks.mjs',
    htm: './vendor/htm.mjs',
  },
};

export function createAssets(): Assets {
  const cache = new Map<string, Promise<Asset | undefined>>();
  const load = async (pathname: string): Promise<Asset | undefined> => {
    const vendor = VENDOR_FILES[pathname];
    try {
      if (vendor !== undefined) {
        return { body: await readVendor(vendor.name, vendor.specifier, vendor.file), type: JS };
      }
      const file = pageFile(pathname);
      if (file === undefined) return undefined;
      const body = await readFile(file);
      return { body, type: file.endsWith('.map') ? 'application/json' : JS };
    } catch {
      return undefined;
    }
  };
  return {
    get(pathname) {
      let asset = cache.get(pathname);
      if (!asset) {
        asset = load(pathname);
        // Only what exists is cached: the set of names asked for stays bounded.
        asset.then((found) => {
          if (!found) cache.delete(pathname);
        });
        cache.set(pathname, asset);
      }
      return asset;
    },
  };
}

function pageFile(pathname: string): string | undefined {
  const name = PAGE_FILE.exec(pathname)?.[1];
  return name === undefined ? undefined : join(PAGE_DIR, name);
}
