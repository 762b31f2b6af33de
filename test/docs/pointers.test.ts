/**
 * Every pointer at a document resolves: a comment in the code or a doc that names a Markdown file
 * names one that exists, by its repository path (with its folder), and a section it cites
 * (`docs/platforms.md §1.1`) is a numbered heading of that file. A bare `§N` in a doc is
 * a section of the doc itself; in a comment it must say which document (or be an RFC's). Markdown
 * links and paths up from a doc (`../scenarios/…`) resolve relative to the doc, to something in the
 * repository. A path into src/, test/, bench/, scripts/ or docs/ names a file or folder that exists
 * (a renamed folder leaves no stale pointer). No comment or doc says "issue N" or points outside
 * the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['src', 'test', 'bench', 'scripts', 'docs'];
const ROOT_FILES = ['README.md', 'eslint.config.js', 'vitest.config.ts'];
/** Code: only its comments are read. */
const CODE = new Set(['.ts', '.js', '.mjs', '.cjs']);
/** Text that is all prose or comments (Markdown, SQL migrations, YAML scenarios). */
const PROSE = new Set(['.md', '.sql', '.yaml', '.yml']);

interface Passage {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((file) => statSync(join(ROOT, file)).isFile());
}

const repoPath = (file: string): string => file.split(sep).join('/');
const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** The comments of a code file, each one passage, with the comment markers taken out. */
function commentsOf(file: string, text: string): Passage[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const seen = new Set<number>();
  const passages: Passage[] = [];
  const collect = (ranges: readonly ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const body = text
        .slice(range.pos, range.end)
        .replace(/^\/\*\*?|\*\/$/g, '')
        .split('\n')
        .map((line) => line.replace(/^\s*(\/\/+|\*)?/, ''))
        .join('\n');
      passages.push({ file, line: lineAt(text, range.pos), text: body });
    }
  };
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    collect(ts.getTrailingCommentRanges(text, node.end));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return passages;
}

/** A prose file in paragraphs (a blank line ends one), so a sentence split over lines stays whole. */
function paragraphsOf(file: string, text: string): Passage[] {
  const passages: Passage[] = [];
  let start = 0;
  for (const gap of [...text.matchAll(/\n[ \t]*\n/g), null]) {
    const end = gap ? gap.index : text.length;
    passages.push({ file, line: lineAt(text, start), text: text.slice(start, end) });
    if (gap) start = end + gap[0].length;
  }
  return passages;
}

function passagesOf(file: string): Passage[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  if (CODE.has(extname(file))) return commentsOf(file, text);
  if (PROSE.has(extname(file))) return paragraphsOf(file, text);
  return [];
}

const ALL_FILES = [...FOLDERS.flatMap(filesUnder), ...ROOT_FILES].map(repoPath).sort();
const PASSAGES = ALL_FILES.flatMap(passagesOf);

/** The numbered sections of a Markdown file: headings such as `## 5. Contracts` or `### 1.1 Discord`, or a § before the number. */
const sectionsCache = new Map<string, ReadonlySet<string>>();
function sectionsOf(doc: string): ReadonlySet<string> {
  let sections = sectionsCache.get(doc);
  if (!sections) {
    const headings = readFileSync(join(ROOT, doc), 'utf8').matchAll(
      /^#{1,6}[ \t]+§?(\d+(?:\.\d+)*)\.?(?=\s)/gm,
    );
    sections = new Set([...headings].map((m) => m[1] ?? ''));
    sectionsCache.set(doc, sections);
  }
  return sections;
}

function exists(path: string): boolean {
  try {
    return statSync(join(ROOT, path)).isFile();
  } catch {
    return false;
  }
}

const MENTION = /(?<![\w./-])((?:\.{1,2}\/)*[\w./-]*[\w-]\.md)(?![\w-])/g;
const SECTION = /§\s?(\d+(?:\.\d+)*)/g;
const SENTENCE_END = /[.!?;](?:\s|$)/;
/** A path into the repository's own folders, as comments and docs name files (`src/app.ts`, `test/e2e/`). */
const TREE_PATH = /(?<![\w./-])((?:src|test|bench|scripts|docs)\/[\w./-]*[\w-])/g;
/** Folders that runs write and git ignores (`bench/results/`): named, never committed. */
const IGNORED = readFileSync(join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim().replace(/^\//, '').replace(/\/$/, ''))
  .filter((line) => line !== '' && !line.startsWith('#') && !line.includes('*'));

/** A file or folder of the repository (a `.js` name stands for its `.ts` source), or one git ignores. */
function inTree(path: string): boolean {
  if (IGNORED.some((ignored) => path === ignored || path.startsWith(`${ignored}/`))) return true;
  return [path, path.replace(/\.js$/, '.ts')].some((candidate) => existsSync(join(ROOT, candidate)));
}

/**
 * One passage's problems. Markdown links are checked first and read as the repository path they
 * resolve to; URLs are left out. Each `§N` belongs to the last document named before it in the
 * same sentence, or, in a doc, to the doc itself.
 */
function problemsIn(passage: Passage): string[] {
  const problems: string[] = [];
  const isDoc = passage.file.endsWith('.md');
  let text = passage.text;
  // Replacements keep the line breaks, so an offset in `text` still gives the line.
  const where = (offset: number): string => `${passage.file}:${lineAt(text, offset) + passage.line - 1}`;
  if (isDoc) {
    text = text.replace(/\[[^\]]*\]\(([^)\s]+)\)/g, (link, target: string, offset: number) => {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) return link;
      const file = repoPath(relative(ROOT, resolve(ROOT, dirname(passage.file), target.replace(/#.*$/, ''))));
      const keepLines = '\n'.repeat(link.split('\n').length - 1);
      if (!exists(file)) {
        problems.push(`${where(offset)}: the link to ${target} leads to no file`);
        return keepLines;
      }
      return (file.endsWith('.md') ? file : '') + keepLines;
    });
  }
  text = text.replace(/\b[a-z][a-z+.-]*:\/\/\S+/gi, ' ');
  if (isDoc) {
    // A path up from a doc (`../scenarios/x.json`) is read from the doc's folder. (`./data/bot.db`
    // and the like are run-time paths, not pointers.)
    for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)+[\w./-]*[\w-])/g)) {
      const path = join(ROOT, dirname(passage.file), m[1] ?? '');
      if (!existsSync(path) || relative(ROOT, path).startsWith('..')) {
        problems.push(`${where(m.index)}: ${m[1]} leads to nothing in the repository`);
      }
    }
  }
  for (const m of text.matchAll(/\bissues?\s+#?\d+/gi)) {
    problems.push(`${where(m.index)}: says "${m[0]}" (say what the code does instead)`);
  }
  for (const m of text.matchAll(/(?:^|[^\w.])\.\.\/shared\b|\bshared\/docs\b/g)) {
    problems.push(`${where(m.index)}: points outside the repository`);
  }
  for (const m of text.matchAll(TREE_PATH)) {
    const path = m[1] ?? '';
    if (!inTree(path)) problems.push(`${where(m.index)}: ${path} is not in the repository`);
  }
  const mentions = [...text.matchAll(MENTION)].map((m) => ({ at: m.index, name: m[1] ?? '' }));
  for (const { at, name } of mentions) {
    if (exists(name)) continue;
    const like = ALL_FILES.filter((f) => f.endsWith(`/${name.replace(/^(\.\.?\/)+/, '')}`));
    const hint = like.length > 0 ? ` (did you mean ${like.join(' or ')}?)` : '';
    problems.push(`${where(at)}: ${name} is not a repository path${hint}`);
  }
  for (const m of text.matchAll(SECTION)) {
    const section = m[1] ?? '';
    if (/\bRFC\s?\d+\s*$/.test(text.slice(0, m.index))) continue;
    const named = mentions.filter((mention) => mention.at < m.index).at(-1);
    const bound =
      named && !SENTENCE_END.test(text.slice(named.at + named.name.length, m.index)) ? named : undefined;
    const doc = bound?.name ?? (isDoc ? passage.file : undefined);
    if (doc === undefined) {
      problems.push(
        `${where(m.index)}: §${section} names no document (write e.g. docs/design.md §${section})`,
      );
    } else if (exists(doc) && !sectionsOf(doc).has(section)) {
      problems.push(`${where(m.index)}: ${doc} has no section §${section}`);
    }
  }
  return problems;
}

describe('pointers at documents', () => {
  it('reads the code, the tests, the benches, the scripts and the docs', () => {
    expect(ALL_FILES).toContain('docs/design.md');
    expect(ALL_FILES).toContain('src/main.ts');
    expect(PASSAGES.length).toBeGreaterThan(1000);
    expect(sectionsOf('docs/platforms.md')).toContain('1.1');
    expect(sectionsOf('docs/crowd.md')).toContain('9');
  });

  it('resolve: files by repository path, sections that exist, no "issue N", nothing outside the repository', () => {
    expect(PASSAGES.flatMap(problemsIn)).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    const passage = (file: string, text: string): Passage => ({ file, line: 1, text });
    expect(
      problemsIn(passage('src/x.ts', 'See docs/design.md §5 and §3, and docs/platforms.md §1.1.')),
    ).toEqual([]);
    expect(problemsIn(passage('src/x.ts', 'Redirects follow RFC 9110 §15.4.'))).toEqual([]);
    expect(
      problemsIn(passage('docs/crowd.md', 'Counted per window (§4); see [design](design.md) §3.')),
    ).toEqual([]);
    expect(problemsIn(passage('src/x.ts', 'See design.md §5.'))).toEqual([
      'src/x.ts:1: design.md is not a repository path (did you mean docs/design.md?)',
    ]);
    expect(problemsIn({ file: 'src/x.ts', line: 10, text: 'Two lines:\n[a](b) then crowd.md.' })).toEqual([
      'src/x.ts:11: crowd.md is not a repository path (did you mean docs/crowd.md?)',
    ]);
    expect(problemsIn(passage('src/x.ts', 'See docs/design.md §42.'))).toEqual([
      'src/x.ts:1: docs/design.md has no section §42',
    ]);
    expect(problemsIn(passage('src/x.ts', 'As DESIGN §5 says.'))).toEqual([
      'src/x.ts:1: §5 names no document (write e.g. docs/design.md §5)',
    ]);
    expect(problemsIn(passage('docs/crowd.md', 'See §42 and [x](nowhere.md).'))).toEqual([
      'docs/crowd.md:1: the link to nowhere.md leads to no file',
      'docs/crowd.md:1: docs/crowd.md has no section §42',
    ]);
    expect(
      problemsIn(passage('test/fixtures/status/SOURCES.md', '| ../scenarios | ../nothing.json |')),
    ).toEqual(['test/fixtures/status/SOURCES.md:1: ../nothing.json leads to nothing in the repository']);
    expect(
      problemsIn(passage('src/x.ts', 'Wired in src/app.js and src/gone/file.ts; results in bench/results/.')),
    ).toEqual(['src/x.ts:1: src/gone/file.ts is not in the repository']);
    expect(problemsIn(passage('src/x.ts', 'Fixed for issue 16; see ../shared/docs/x.'))).toEqual([
      'src/x.ts:1: says "issue 16" (say what the code does instead)',
      'src/x.ts:1: points outside the repository',
    ]);
  });
});
