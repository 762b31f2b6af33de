/**
 * No file cycles, type-only imports included. Lint's `import-x/no-cycle` finds the cycles that run
 * (it skips `import type`); this also finds two files that know each other only through types,
 * which is the same tangle for a reader (an interface belongs to one of them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['src', 'test', 'bench', 'scripts'];

function tsFilesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name).split(sep).join('/'));
}

/**
 * Every relative module a file names: imports (`import type` too), re-exports, `import()` calls and
 * `import('…').T` types. TypeScript's pre-processor scans tokens, so strings and comments do not count.
 */
function specifiersOf(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((name) => name.startsWith('.'));
}

/** The import graph of the repository's TypeScript files, by repository path. */
function importGraph(): Map<string, string[]> {
  const files = FOLDERS.flatMap(tsFilesUnder);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiersOf(readFileSync(join(ROOT, file), 'utf8'))
      .map((spec) =>
        relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts')))
          .split(sep)
          .join('/'),
      )
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components of more than one file, or of one file importing itself (Tarjan). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return cycles;
}

describe('file cycles', () => {
  it('finds a cycle, type-only or not, and nothing in a graph without one', () => {
    expect(
      cyclesOf(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(
      cyclesOf(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
    const code = [
      "import type { A } from './a.js';",
      "import { b } from '../b.js';",
      "export * from './c.js';",
      "export type D = import('./d.js').D;",
      "const e = () => import('./e.js');",
      "import { z } from 'zod';",
      "const s = \"import x from './f.js'\"; // import g from './g.js'",
    ].join('\n');
    expect(specifiersOf(code)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js']);
  });

  it('has none in src/, test/, bench/ and scripts/, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(300);
    expect(graph.get('src/main.ts')).toContain('src/app.ts');
    expect(cyclesOf(graph)).toEqual([]);
  });
});
