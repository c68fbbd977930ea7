/**
 * The files the page loads, all from this package and its dependencies: the
 * page's own modules (`page/*.mjs`, next to this file in `src/` and in
 * `dist/`) and, as vendor modules, Preact, its hooks, htm and Mermaid,
 * resolved at run time from wherever Node finds those packages. No CDN: the
 * dashboard works offline.
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

/**
 * Vendor modules by URL. Each package's CommonJS entry is resolved (every
 * one of them exports one) and the ES module build is taken from the same
 * folder: `preact/dist/preact.module.js`, `htm/dist/htm.module.js`,
 * `mermaid/dist/mermaid.min.js` (a classic script that defines `mermaid`).
 */
function vendorFiles(): Record<string, () => string> {
  const require = createRequire(import.meta.url);
  const beside = (specifier: string, file: string) => () =>
    join(dirname(require.resolve(specifier)), file);
  return {
    '/vendor/preact.mjs': beside('preact', 'preact.module.js'),
    '/vendor/preact-hooks.mjs': beside('preact/hooks', 'hooks.module.js'),
    '/vendor/htm.mjs': beside('htm', 'htm.module.js'),
    '/vendor/mermaid.min.js': beside('mermaid', 'mermaid.min.js'),
  };
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
  const vendor = vendorFiles();
  const cache = new Map<string, Promise<Asset | undefined>>();
  const load = async (pathname: string): Promise<Asset | undefined> => {
    const file = vendor[pathname]?.() ?? pageFile(pathname);
    if (file === undefined) return undefined;
    try {
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
