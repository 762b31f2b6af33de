import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/sources/detect-format.js';
import { htmlToPlainText } from '../../src/sources/plain-text.js';
import { STATUS_SOURCES, type StatusSourceKind } from '../../src/sources/registry.js';
import type { StatusSource } from '../../src/sources/status-source.js';
import { readFeed } from '../../src/sources/xml-feed.js';
import {
  HOSTILE_SHAPES,
  INPUT_NOW,
  jsonCarrying,
  repeatTo,
  type InputShape,
} from '../helpers/parser-inputs.js';

/**
 * No parser's time grows faster than linearly with its input. For each adversarial shape the
 * size is doubled until one parse takes at least `MIN_BASE_MS` (or the size cap is reached),
 * then the parse at 4× that size must take at most `MAX_RATIO` × the time at 1×, each time the
 * minimum of a few runs (the machine is shared; the minimum is the least disturbed run).
 * A quadratic parser shows 16× here, a linear one about 4× (2-4× measured on a quiet host). The
 * bound is 8×: on a fresh-clone CI run with four test workers on two cores, a linear feed parse
 * at 256 K → 1 M characters measured 7× (minimum of 9 runs: garbage collection of the large input
 * competing with the other workers), while a quadratic one would still be twice the bound.
 */

const MIN_BASE_MS = 5;
const MAX_RATIO = 8;
const START_CHARS = 4 * 1024;
/**
 * Past a few hundred thousand characters a string no longer fits the CPU caches, and allocation-heavy
 * parses (JSON, zod) pay more for garbage collection: even a linear parse slows
 * per character; a parser still under `MIN_BASE_MS` at this size is measured against that floor
 * instead (4× the size must then take at most MAX_RATIO × MIN_BASE_MS). A quadratic parser is far
 * slower than that long before.
 */
const MAX_BASE_CHARS = 256 * 1024;
const RUNS = 3;
const EXTRA_ROUNDS = 6;

function timeOnce(parse: (input: string) => unknown, input: string): number {
  const started = performance.now();
  parse(input);
  return performance.now() - started;
}

interface Growth {
  readonly chars: number;
  readonly baseMs: number;
  readonly fourTimesMs: number;
  readonly ratio: number;
}

/** The minimum of `RUNS` runs at each size, the runs alternating between the sizes. */
function timePair(parse: (input: string) => unknown, small: string, large: string): [number, number] {
  let smallMs = Infinity;
  let largeMs = Infinity;
  for (let run = 0; run < RUNS; run += 1) {
    smallMs = Math.min(smallMs, timeOnce(parse, small));
    largeMs = Math.min(largeMs, timeOnce(parse, large));
  }
  return [smallMs, largeMs];
}

function measureGrowth(parse: (input: string) => unknown, build: (chars: number) => string): Growth {
  let chars = START_CHARS;
  let input = build(chars);
  parse(input); // warm up: compile the parser's code before timing it
  while (Math.min(timeOnce(parse, input), timeOnce(parse, input)) < MIN_BASE_MS && chars < MAX_BASE_CHARS) {
    chars *= 2;
    input = build(chars);
  }
  const large = build(chars * 4);
  parse(large); // the heap grows to the large input once, before any timing
  let [baseMs, fourTimesMs] = timePair(parse, input, large);
  const ratio = (): number => fourTimesMs / Math.max(baseMs, MIN_BASE_MS);
  // More rounds while it looks super-linear: a neighbour's burst is not ours, a quadratic
  // parser stays at 16×.
  for (let round = 0; round < EXTRA_ROUNDS && ratio() > MAX_RATIO; round += 1) {
    const [again, againLarge] = timePair(parse, input, large);
    baseMs = Math.min(baseMs, again);
    fourTimesMs = Math.min(fourTimesMs, againLarge);
  }
  return { chars, baseMs, fourTimesMs, ratio: ratio() };
}

function expectLinear(what: string, growth: Growth): void {
  if (process.env['GROWTH_LOG']) console.log(what, growth);
  const detail =
    `${what}: ${growth.baseMs.toFixed(1)} ms at ${growth.chars} chars, ` +
    `${growth.fourTimesMs.toFixed(1)} ms at 4×`;
  expect(growth.ratio, detail).toBeLessThanOrEqual(MAX_RATIO);
}

function sourceParse(source: StatusSource): (body: string) => unknown {
  return (body) => source.parse({ httpStatus: 200, contentType: undefined, body, now: INPUT_NOW });
}

/**
 * XML shapes for the feed sources; for JSON sources their own huge payload and hostile text
 * inside it. The shapes that only exercise `JSON.parse` (broken or deep JSON) run once, through
 * `detectFormat`.
 */
/** Shapes about finding elements: `readFeed` gets these, the feed sources the others. */
const ELEMENT_SHAPES = new Set([
  'unclosed <entry> repeated',
  'unclosed <item><title> repeated',
  'open tags without ">" in an item',
  'unclosed <![CDATA[ repeated',
  'unclosed <link repeated',
  'long attribute list',
]);

/**
 * The feed sources read their items with `readFeed` (tested on its own with the element-finding
 * shapes): they get the unclosed `<item>` and the shapes about item text. JSON sources get their
 * own huge payload and hostile text inside it; the shapes that only exercise `JSON.parse`
 * (broken or deep JSON) run once, through `detectFormat`.
 */
function shapesFor(source: StatusSource): InputShape[] {
  if (source.kind === 'feed' || source.kind === 'aws-rss') {
    return HOSTILE_SHAPES.filter((s) => s.family === 'xml' && !ELEMENT_SHAPES.has(s.name));
  }
  return HOSTILE_SHAPES.filter(
    (shape) =>
      shape.family === 'json' &&
      (shape.kind === undefined ? shape.name.includes('JSON text') : shape.kind === source.kind),
  );
}

/** Adversarial text reaches JSON parsers inside a valid payload (titles, update bodies). */
function forSource(source: StatusSource<StatusSourceKind>, shape: InputShape): (chars: number) => string {
  if (shape.family !== 'json' || shape.kind !== undefined || !shape.name.includes('JSON text'))
    return shape.build;
  return (chars) => jsonCarrying(source.kind, shape.build(chars));
}

describe('parsers stay linear on adversarial input', () => {
  for (const source of STATUS_SOURCES) {
    it(`${source.kind} parse`, () => {
      for (const shape of shapesFor(source)) {
        expectLinear(
          `${source.kind} / ${shape.name}`,
          measureGrowth(sourceParse(source), forSource(source, shape)),
        );
      }
    });
  }

  it('readFeed', () => {
    for (const shape of HOSTILE_SHAPES.filter(
      (s) => ELEMENT_SHAPES.has(s.name) || s.name.startsWith('unclosed <item>'),
    )) {
      expectLinear(`readFeed / ${shape.name}`, measureGrowth(readFeed, shape.build));
    }
  });

  it('htmlToPlainText', () => {
    for (const shape of HOSTILE_SHAPES.filter((s) => s.family === 'html')) {
      expectLinear(`htmlToPlainText / ${shape.name}`, measureGrowth(htmlToPlainText, shape.build));
    }
  });

  it('detectFormat', () => {
    // Deep JSON nesting is left to the bench: V8's own JSON.parse grows a little faster than
    // linearly there (about 6× for 4× the depth), which is why big bodies are parsed off-thread.
    const jsonOnly = HOSTILE_SHAPES.filter(
      (s) => s.family === 'json' && s.kind === undefined && s.name !== 'deep JSON nesting',
    );
    for (const shape of jsonOnly) {
      expectLinear(
        `detectFormat / ${shape.name}`,
        measureGrowth((body) => detectFormat(body, 'application/json'), shape.build),
      );
    }
  });
});

/** Fragments hostile markup is made of; fast-check strings them into a unit that is then repeated. */
const FRAGMENTS = [
  '<',
  '</',
  '>',
  '/>',
  '<a',
  '<p',
  '<item',
  '<item>',
  '</item>',
  '<title',
  '<title>',
  '</title>',
  '<link ',
  'href="',
  "rel='",
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<script',
  '&',
  '&#x',
  '&amp;',
  '<strong>',
  '</strong> - ',
  ' ',
  'a',
  ':',
  '"',
];

const unitArbitrary = fc
  .array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

describe('parsers stay linear on random repeated fragments (fast-check)', () => {
  it('htmlToPlainText and readFeed', () => {
    fc.assert(
      fc.property(unitArbitrary, (unit) => {
        expectLinear(
          `htmlToPlainText / ${JSON.stringify(unit)}`,
          measureGrowth(htmlToPlainText, (n) => repeatTo(unit, n)),
        );
        const feed = (n: number): string =>
          `<rss><item><pubDate>Mon, 07 Dec 2026 05:30:00 GMT</pubDate>${repeatTo(unit, n)}`;
        expectLinear(`readFeed / ${JSON.stringify(unit)}`, measureGrowth(readFeed, feed));
      }),
      { seed: 20261207, numRuns: 4 },
    );
  });

  it('every source parse, the fragments inside its own payload', () => {
    fc.assert(
      fc.property(unitArbitrary, fc.constantFrom(...STATUS_SOURCES), (unit, source) => {
        const build =
          source.kind === 'feed' || source.kind === 'aws-rss'
            ? (n: number) =>
                `<rss><item><pubDate>Mon, 07 Dec 2026 05:30:00 GMT</pubDate><description>${repeatTo(unit, n)}</description></item></rss>`
            : (n: number) => jsonCarrying(source.kind, repeatTo(unit, n));
        expectLinear(`${source.kind} / ${JSON.stringify(unit)}`, measureGrowth(sourceParse(source), build));
      }),
      { seed: 7122026, numRuns: 6 },
    );
  });
});

describe('what the linear scanners read differently from the regex pipeline they replace', () => {
  it('treats a whole CDATA section as text while looking for child elements', () => {
    const feed = readFeed(
      '<rss><item><description><![CDATA[<title>inner</title>]]></description><title>Real</title></item></rss>',
    );
    expect(feed?.items[0]).toEqual({ title: 'Real', description: '<title>inner</title>' });
  });

  it('ends a tag at its first ">", whatever it holds, and a script at its own end tag', () => {
    expect(htmlToPlainText('a<span title="<p>">b</span>c')).toBe('a">bc');
    expect(htmlToPlainText('<script><!--</script>shown')).toBe('shown');
  });

  it('stops reading once the text is past the limit', () => {
    expect(htmlToPlainText(`${'word '.repeat(2_000_000)}<b`, 20)).toBe('word word word word…');
  });
});
