/**
 * Build step: puts what the dashboard page needs in the browser (Preact,
 * its hooks, htm and Mermaid) inside the package, in `dist/dashboard/vendor/`,
 * so that none of them is a runtime dependency. They are devDependencies;
 * this copies their prebuilt browser files at build time, with their
 * licences. Mermaid's single-file build (5.5 MB, its whole dependency tree
 * bundled) is stored gzipped; the dashboard server inflates it once, on the
 * first request (`src/dashboard/assets.ts`).
 *
 * ```sh
 * node scripts/vendor-assets.mjs          # part of `npm run build`
 * ```
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const vendorDir = join(repoRoot, 'dist', 'dashboard', 'vendor');
const require = createRequire(join(repoRoot, 'package.json'));

/** The folder of a package's CommonJS entry (every one of these exports one). */
const distOf = (specifier) => dirname(require.resolve(specifier));
/** A package's root folder, where its LICENSE is: direct devDependencies sit at the top. */
const rootOf = (name) => join(repoRoot, 'node_modules', name);

/** Served name → the prebuilt browser file. Keep in step with `VENDOR_FILES` in assets.ts. */
const files = {
  'preact.mjs': join(distOf('preact'), 'preact.module.js'),
  'preact-hooks.mjs': join(distOf('preact/hooks'), 'hooks.module.js'),
  'htm.mjs': join(distOf('htm'), 'htm.module.js'),
  'mermaid.min.js': join(distOf('mermaid'), 'mermaid.min.js'),
};
const gzipped = new Set(['mermaid.min.js']);

rmSync(vendorDir, { recursive: true, force: true });
mkdirSync(vendorDir, { recursive: true });
for (const [name, source] of Object.entries(files)) {
  if (gzipped.has(name)) {
    const body = gzipSync(readFileSync(source), { level: constants.Z_BEST_COMPRESSION });
    writeFileSync(join(vendorDir, `${name}.gz`), body);
  } else {
    copyFileSync(source, join(vendorDir, name));
  }
}

const licences = ['preact', 'htm', 'mermaid'].map((name) => {
  const { version } = JSON.parse(readFileSync(join(rootOf(name), 'package.json'), 'utf8'));
  const text = readFileSync(join(rootOf(name), 'LICENSE'), 'utf8').trim();
  return `${name}@${version}\n\n${text}\n`;
});
writeFileSync(
  join(vendorDir, 'LICENSES.txt'),
  `The dashboard page's browser modules in this folder are copied from these packages.\n\n${licences.join('\n---\n\n')}`,
);
