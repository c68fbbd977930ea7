/**
 * Every relative link in README.md and docs/*.md points at a file that
 * exists, and every `#anchor` at a heading of that file (GitHub's slugs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const pages = [
  join(repoRoot, 'README.md'),
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => join(repoRoot, 'docs', file)),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

function linksOf(path: string): string[] {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/.test(target));
}

describe('links in the docs', () => {
  it.each(pages.map((page) => [relative(repoRoot, page), page]))('%s', (_, page) => {
    for (const link of linksOf(page)) {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file === '' ? page : join(dirname(page), file);
      expect(existsSync(target), `${link} in ${relative(repoRoot, page)}`).toBe(true);
      if (anchor !== undefined) {
        expect(anchorsOf(target), `${link} in ${relative(repoRoot, page)}`).toContain(anchor);
      }
    }
  });
});
