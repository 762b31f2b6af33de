import { readFileSync } from 'node:fs';

/**
 * Reads the Markdown table in the doc comment right above `export function <name>` of a source
 * file, so a test's table is the code's table (docs/design.md §7). Returns the body rows as trimmed
 * cells; the header and separator lines are dropped.
 */
export function readDocTable(sourceUrl: URL, functionName: string): string[][] {
  const source = readFileSync(sourceUrl, 'utf8');
  const end = source.indexOf(`export function ${functionName}(`);
  if (end < 0) throw new Error(`no function ${functionName} in ${sourceUrl.pathname}`);
  const start = source.lastIndexOf('/**', end);
  const lines = source
    .slice(start, end)
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .filter((line) => line.startsWith('|'));
  return lines
    .slice(1)
    .filter((line) => !/^\|[-|\s]+\|$/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}
