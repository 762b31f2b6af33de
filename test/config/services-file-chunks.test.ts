/**
 * A large services file is read 250 `services:` items per YAML document (to bound the heap), and
 * anything that does not read cleanly falls back to one read of the whole file. A `---` marker makes
 * `parseServices` take the whole-file read, so both paths can be compared on the same text: they
 * must give the same services and monitors, or the same list of problems.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/problems.js';
import { parseServices } from '../../src/config/services-file.js';

type Read =
  { ok: true; value: ReturnType<typeof parseServices> } | { ok: false; problems: readonly string[] };

function read(text: string): Read {
  try {
    return { ok: true, value: parseServices(text) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    throw err;
  }
}

/** The same file read as one document (the `---` marker turns the chunked read off). */
const readWhole = (text: string): Read => read(`---\n${text}`);

interface Entry {
  readonly style: 'flow' | 'block' | 'folded-name' | 'anchor' | 'alias' | 'bad-url' | 'commented';
  readonly probe: 'http' | 'tcp' | 'dns';
}

function monitorFlow(probe: Entry['probe'], i: number, badUrl = false): string {
  if (probe === 'tcp') return `{ type: tcp, host: host${i}.example, port: ${1 + (i % 65000)} }`;
  if (probe === 'dns') return `{ type: dns, host: host${i}.example, record: A }`;
  return `{ type: http, url: '${badUrl ? 'not a url' : `https://host${i}.example/`}' }`;
}

function render(entry: Entry, i: number): string {
  const id = `svc-${i}`;
  switch (entry.style) {
    case 'flow':
      return `  - { id: ${id}, name: 'Service ${i}', monitors: [ ${monitorFlow(entry.probe, i)} ] }`;
    case 'block':
      return [
        `  - id: ${id}`,
        `    name: "Service ${i}"`,
        `    monitors:`,
        `      - ${monitorFlow(entry.probe, i)}`,
      ].join('\n');
    case 'folded-name':
      return [
        `  - id: ${id}`,
        `    name: >-`,
        `      Service`,
        `      - ${i}`,
        `    monitors:`,
        `      - ${monitorFlow(entry.probe, i)}`,
      ].join('\n');
    case 'anchor':
      return `  - { id: ${id}, name: S${i}, group: &g${i} grp${i}, monitors: [ ${monitorFlow(entry.probe, i)} ] }`;
    case 'alias':
      // Refers to the anchor of entry 0 (always an anchor entry): across a chunk boundary for i ≥ 250.
      return `  - { id: ${id}, name: S${i}, group: *g0, monitors: [ ${monitorFlow(entry.probe, i)} ] }`;
    case 'bad-url':
      return `  - { id: ${id}, name: S${i}, monitors: [ ${monitorFlow('http', i, true)} ] }`;
    case 'commented':
      return [
        `# a comment at column 0 before ${id}`,
        ``,
        `  - id: ${id} # trailing`,
        `    name: S${i}`,
        `    monitors: [ ${monitorFlow(entry.probe, i)} ]`,
      ].join('\n');
  }
}

function file(entries: readonly Entry[], eol = '\n'): string {
  const body = [
    'defaults:',
    '  every: 60s',
    'control:',
    '  - { type: tcp, id: ctl, host: 9.9.9.9, port: 53 }',
    'services:',
    ...entries.map(render),
    '# trailing comment',
  ].join('\n');
  return `${body}\n`.replaceAll('\n', eol);
}

const entryArb: fc.Arbitrary<Entry> = fc.record({
  style: fc.constantFrom('flow', 'block', 'folded-name', 'commented', 'flow', 'block', 'alias', 'bad-url'),
  probe: fc.constantFrom('http', 'tcp', 'dns'),
});

describe('services file read in chunks', () => {
  it('reads the shipped default as the whole-file read does', () => {
    const text = readFileSync('config/services.yaml', 'utf8');
    expect(read(text)).toEqual(readWhole(text));
  });

  it('reads 1,000 services across four chunks as the whole-file read does, with global indexes', () => {
    const entries: Entry[] = Array.from({ length: 1000 }, (_, i) => ({
      style: (['flow', 'block', 'folded-name', 'commented'] as const)[i % 4] ?? 'flow',
      probe: (['http', 'tcp', 'dns'] as const)[i % 3] ?? 'http',
    }));
    const chunked = read(file(entries));
    expect(chunked).toEqual(readWhole(file(entries)));
    if (!chunked.ok) throw new Error(chunked.problems.join('\n'));
    expect(chunked.value.services.map((s) => s.id)).toEqual(entries.map((_, i) => `svc-${i}`));
    expect(chunked.value.services[998]?.name).toBe('Service - 998');
  });

  it('lists problems with their index in the whole list, not in a chunk', () => {
    const entries: Entry[] = Array.from({ length: 600 }, (_, i) => ({
      style: i === 10 || i === 555 ? 'bad-url' : 'flow',
      probe: 'http',
    }));
    const chunked = read(file(entries));
    expect(chunked).toEqual(readWhole(file(entries)));
    expect(chunked.ok).toBe(false);
    if (chunked.ok) return;
    expect(chunked.problems.join('\n')).toMatch(/services\[555\]\.monitors\[0\]\.url/);
    expect(chunked.problems.join('\n')).toMatch(/services\[10\]\.monitors\[0\]\.url/);
  });

  it('gives the same result as one read for generated files, CRLF and aliases across chunks included', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 1, maxLength: 700 }),
        fc.constantFrom('\n', '\r\n'),
        (rest, eol) => {
          const entries: Entry[] = [{ style: 'anchor', probe: 'http' }, ...rest];
          const text = file(entries, eol);
          expect(read(text)).toEqual(readWhole(text));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a YAML syntax error in a later chunk with its line in the file', () => {
    const entries: Entry[] = Array.from({ length: 400 }, () => ({ style: 'flow', probe: 'tcp' }));
    const lines = file(entries).split('\n');
    const broken = 5 + 300; // the 301st service's line (1-based line numbers: 4 header lines + `services:`)
    lines[broken] = '  - { id: broken, name: b: c, monitors: [] }';
    const result = read(lines.join('\n'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(new RegExp(`^YAML line ${broken + 1}:`));
  });
});
