/**
 * Examples cannot drift: every ```ts block in a source file's doc comments,
 * in docs/*.md and in README.md compiles against the current sources (see
 * `helpers/code-examples.ts` for what an example may take as given).
 */
import { describe, expect, it } from 'vitest';
import { compileCodeExamples, findCodeExamples } from './helpers/code-examples.js';

describe('code examples in headers and docs', () => {
  const examples = findCodeExamples();

  it('are found in the sources, the docs and the README', () => {
    const files = new Set(examples.map((example) => example.file.split('/')[0]));
    expect([...files].sort()).toEqual(['README.md', 'docs', 'src']);
    expect(examples.length).toBeGreaterThan(100);
  });

  it('all compile against the sources', () => {
    const problems = compileCodeExamples(examples).map(
      ({ where, message }) => `${where}: ${message}`,
    );
    expect(problems).toEqual([]);
  }, 120_000);
});
