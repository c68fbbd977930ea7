/**
 * The Mermaid diagrams in docs/ are `toMermaid` of the exported machines,
 * verbatim, and valid Mermaid. A diagram sits between
 * `<!-- diagram:<name> -->` and `<!-- /diagram -->` in a ```mermaid fence.
 *
 * After changing a machine, regenerate them:
 *   UPDATE_DIAGRAMS=1 npx vitest run test/docs-diagrams.test.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGRAM_NAMES, type DiagramName } from '../src/cli/args.js';
import { diagramText } from '../src/cli/diagrams.js';
import { repoRoot } from './helpers/cli.js';
import { validateMermaid } from './helpers/mermaid.js';

const docsDir = join(repoRoot, 'docs');
const BLOCK = /(<!-- diagram:([\w-]+) -->\n)```mermaid\n[\s\S]*?```\n(<!-- \/diagram -->)/g;

interface Embedded {
  file: string;
  name: string;
  text: string;
}

function embeddedDiagrams(): Embedded[] {
  const found: Embedded[] = [];
  for (const file of readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
    const source = readFileSync(join(docsDir, file), 'utf8');
    for (const match of source.matchAll(BLOCK)) {
      const text = /```mermaid\n([\s\S]*?)```/.exec(match[0])![1]!;
      found.push({ file, name: match[2]!, text });
    }
  }
  return found;
}

function regenerate(): void {
  for (const file of readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
    const path = join(docsDir, file);
    const source = readFileSync(path, 'utf8');
    const updated = source.replace(BLOCK, (_whole, open: string, name: string, close: string) => {
      if (!(DIAGRAM_NAMES as readonly string[]).includes(name)) return _whole;
      return `${open}${diagramText(name as DiagramName, { markdown: true })}${close}`;
    });
    if (updated !== source) writeFileSync(path, updated);
  }
}

if (process.env.UPDATE_DIAGRAMS) regenerate();

describe('diagrams in docs/', () => {
  const diagrams = embeddedDiagrams();

  it('every exported machine has its diagram in the docs', () => {
    expect(new Set(diagrams.map((d) => d.name))).toEqual(new Set(DIAGRAM_NAMES));
  });

  it.each(diagrams.map((d) => [`${d.file}: ${d.name}`, d] as const))(
    '%s is toMermaid of the machine (regenerate: UPDATE_DIAGRAMS=1)',
    (_, diagram) => {
      expect(DIAGRAM_NAMES).toContain(diagram.name);
      expect(diagram.text).toBe(diagramText(diagram.name as DiagramName));
    },
  );

  it.each(diagrams.map((d) => [`${d.file}: ${d.name}`, d] as const))(
    '%s is valid Mermaid',
    async (_, diagram) => {
      expect(await validateMermaid(diagram.text)).toEqual({
        valid: true,
        diagramType: 'stateDiagram',
      });
    },
  );
});
