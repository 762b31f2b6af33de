/**
 * `npm run bench parse`: how long parsing a status body takes, and how long the event loop is
 * held while the status-page probe reads one.
 *
 * 1. Inline parse time per parser at 5 MiB (the default body cap) and 16 MiB (the most a monitor
 *    may allow): the worst adversarial shape for that parser, and a realistic payload (captured
 *    fixtures scaled up). This is what one check would hold the loop for if it parsed inline.
 * 2. The real probe (`statuspage` monitor, `format: auto`) against a loopback server sending
 *    the same bodies: the longest gap seen by a 1 ms interval timer while the check runs, i.e.
 *    the longest the main thread was held. Big bodies go to the parse worker.
 *
 * `BENCH_PARSE_SIZES_MIB=5` limits the sizes (default `5,16`).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStatusPageProbe } from '../src/monitors/probes/status-page-probe.js';
import { detectFormat } from '../src/sources/detect-format.js';
import { stopParseWorker } from '../src/monitors/probes/parse-worker.js';
import { htmlToPlainText } from '../src/sources/plain-text.js';
import { STATUS_SOURCES } from '../src/sources/registry.js';
import { readFeed } from '../src/sources/xml-feed.js';
import {
  HOSTILE_SHAPES,
  INPUT_NOW,
  REALISTIC_INPUTS,
  jsonCarrying,
  repeatTo,
  type InputShape,
} from '../test/helpers/parser-inputs.js';
import { fmt } from './support.js';

const MIB = 1024 * 1024;

/** A parse taking longer than this on its first run is not repeated. */
const SLOW_MS = 1_000;

function timeParse(parse: (body: string) => unknown, body: string): number {
  let best = Infinity;
  for (let run = 0; run < 2; run += 1) {
    const started = performance.now();
    parse(body);
    const ms = performance.now() - started;
    best = Math.min(best, ms);
    if (ms > SLOW_MS) break;
  }
  return best;
}

interface Parser {
  readonly name: string;
  readonly parse: (body: string) => unknown;
  readonly shapes: readonly InputShape[];
  readonly realistic: (chars: number) => string;
}

const REALISTIC_HTML =
  "<p><small>Oct <var data-var='date'>21</var>, <var data-var='time'>17:39</var> UTC</small><br>" +
  '<strong>Resolved</strong> - This incident has been resolved. Thank you for your patience &amp; understanding.</p>';

function realisticOf(kind: string): (chars: number) => string {
  const input = REALISTIC_INPUTS.find((i) => i.kind === kind);
  if (input === undefined) throw new Error(`no realistic input for ${kind}`);
  return (chars) => input.build(chars);
}

function parsers(): Parser[] {
  const xml = HOSTILE_SHAPES.filter((s) => s.family === 'xml');
  const json = HOSTILE_SHAPES.filter((s) => s.family === 'json');
  const bySource: Parser[] = STATUS_SOURCES.map((source) => {
    const isFeed = source.kind === 'feed' || source.kind === 'aws-rss';
    const shapes = isFeed
      ? xml
      : json
          .filter((s) => s.kind === undefined || s.kind === source.kind)
          .map((s) =>
            s.name.includes('JSON text')
              ? { ...s, build: (n: number) => jsonCarrying(source.kind, s.build(n)) }
              : s,
          );
    return {
      name: `${source.kind} parse`,
      parse: (body: string) =>
        source.parse({ httpStatus: 200, contentType: undefined, body, now: INPUT_NOW }),
      shapes,
      realistic: realisticOf(source.kind),
    };
  });
  return [
    ...bySource,
    { name: 'readFeed', parse: readFeed, shapes: xml, realistic: realisticOf('aws-rss') },
    {
      name: 'htmlToPlainText',
      parse: (body) => htmlToPlainText(body),
      shapes: HOSTILE_SHAPES.filter((s) => s.family === 'html'),
      realistic: (n) => repeatTo(REALISTIC_HTML, n),
    },
    {
      name: 'detectFormat',
      parse: (body) => detectFormat(body, 'application/json'),
      shapes: [...json.filter((s) => s.kind === undefined), ...xml.slice(0, 3)],
      realistic: realisticOf('google'),
    },
  ];
}

function inlineTable(sizes: readonly number[]): void {
  console.log('\n## Inline parse time (ms, best of 2; what one check would hold the loop for)\n');
  console.log('| parser | size | worst adversarial | shape | realistic |');
  console.log('|---|---|---|---|---|');
  for (const parser of parsers()) {
    for (const size of sizes) {
      let worst = 0;
      let worstShape = '';
      for (const shape of parser.shapes) {
        const ms = timeParse(parser.parse, shape.build(Math.floor(size * 0.97)));
        if (ms > worst) {
          worst = ms;
          worstShape = shape.name;
        }
      }
      const realisticMs = timeParse(parser.parse, parser.realistic(Math.floor(size * 0.97)));
      console.log(
        `| ${parser.name} | ${size / MIB} MiB | ${fmt(worst)} | ${worstShape} | ${fmt(realisticMs)} |`,
      );
    }
  }
  for (const size of sizes) {
    // Every byte of é and 😀 is non-ASCII: the decoder's slow path. ASCII is the fast one.
    const nonAscii = Buffer.from(repeatTo('é😀', size)).subarray(0, size);
    const ascii = Buffer.alloc(size, 'a');
    const decode = (bytes: Buffer) => () => bytes.toString('utf8');
    console.log(
      `| UTF-8 decode (bytes → text) | ${size / MIB} MiB | ${fmt(timeParse(decode(nonAscii), ''))} | non-ASCII | ${fmt(timeParse(decode(ascii), ''))} (ASCII) |`,
    );
  }
}

async function serve(body: () => Buffer): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status` };
}

/** A body just under `size` bytes (a body over the cap is refused unread), still whole. */
function bodyUnder(build: (chars: number) => string, size: number): Buffer {
  let body = Buffer.from(build(Math.floor(size * 0.97)));
  // Multi-byte text (AWS's Japanese, say): scale the characters down to fit the bytes.
  if (body.length > size) body = Buffer.from(build(Math.floor(((size * 0.97) / body.length) * size * 0.97)));
  return body.length > size ? body.subarray(0, size) : body;
}

/** Runs `work` while a 1 ms interval timer measures its longest gap. */
async function longestGap<T>(work: () => Promise<T>): Promise<{ gapMs: number; result: T }> {
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 1);
  try {
    const result = await work();
    return { gapMs: Math.max(gapMs, performance.now() - last), result };
  } finally {
    clearInterval(timer);
  }
}

async function probeTable(sizes: readonly number[]): Promise<void> {
  const cases: { name: string; build: (chars: number) => string }[] = [
    ...REALISTIC_INPUTS.map((input) => ({ name: `realistic ${input.name}`, build: input.build })),
    ...HOSTILE_SHAPES.filter((s) =>
      [
        'unclosed <item> repeated',
        'unclosed <![CDATA[ repeated',
        'deep JSON nesting',
        'open tags without ">" in an item',
      ].includes(s.name),
    ).map((s) => ({ name: `hostile ${s.name}`, build: s.build })),
    {
      name: 'hostile <a repeated in a Statuspage incident',
      build: (n) => jsonCarrying('statuspage', '<a'.repeat(n >> 2)), // the text is in it twice
    },
    { name: 'hostile non-ASCII Slack title', build: (n) => jsonCarrying('slack', repeatTo('é😀', n >> 2)) },
  ];
  let current: Buffer = Buffer.alloc(0);
  const { server, url } = await serve(() => current);
  const probe = createStatusPageProbe({ now: () => INPUT_NOW });
  console.log('\n## The statuspage probe over loopback: longest main-thread hold per check (ms)\n');
  console.log('| body | size | longest hold, 3 runs sorted | check took | outcome |');
  console.log('|---|---|---|---|---|');
  let worst = 0;
  try {
    for (const size of sizes) {
      for (const c of cases) {
        current = bodyUnder(c.build, size);
        const options = { url, format: 'auto' as const, components: [], maxBodyBytes: size };
        const run = () => probe.run(options, { signal: new AbortController().signal, timeoutMs: 10_000 });
        await run(); // warm-up: also lets the garbage of building the body be collected
        const gaps: number[] = [];
        let tookMs = 0;
        let outcome = '';
        for (let round = 0; round < 3; round += 1) {
          const started = performance.now();
          const { gapMs, result } = await longestGap(run);
          tookMs = performance.now() - started;
          outcome = `${result.status}: ${result.message.slice(0, 60)}`.replaceAll('|', '/');
          gaps.push(gapMs);
        }
        gaps.sort((x, y) => x - y);
        worst = Math.max(worst, gaps[1] ?? 0);
        const holds = gaps.map((gap) => fmt(gap)).join(' / ');
        console.log(`| ${c.name} | ${size / MIB} MiB | ${holds} | ${fmt(tookMs, 0)} | ${outcome} |`);
      }
    }
  } finally {
    server.close();
    await stopParseWorker();
  }
  console.log(`\nworst main-thread hold (median of 3 runs, worst body): ${fmt(worst)} ms`);
}

export async function runParseBench(): Promise<void> {
  const sizes = (process.env['BENCH_PARSE_SIZES_MIB'] ?? '5,16').split(',').map((mib) => Number(mib) * MIB);
  console.log(`\n# parse — sizes ${sizes.map((s) => `${s / MIB} MiB`).join(', ')}`);
  await probeTable(sizes);
  inlineTable(sizes);
}
