import { afterAll, describe, expect, it } from 'vitest';
import { filterComponents } from '../../src/sources/component-filter.js';
import { MAX_EVIDENCE_LINES } from '../../src/sources/official-evidence.js';
import { digestSnapshot, parseStatusNow } from '../../src/sources/parse-status.js';
import { httpOptionsSchema } from '../../src/monitors/probes/http-options.js';
import {
  checkBodyOffThread,
  checkByteBody,
  digestStatusResponseOffThread,
  INLINE_MAX_BYTES,
  parseStatusResponseOffThread,
  parseWorkersStarted,
  stopParseWorker,
} from '../../src/sources/parse-worker.js';
import { HOSTILE_SHAPES, INPUT_NOW, REALISTIC_INPUTS } from '../helpers/parser-inputs.js';

const BIG = INLINE_MAX_BYTES * 4;

function response(body: string | Uint8Array, contentType = 'application/json') {
  return { httpStatus: 200, contentType, body, now: INPUT_NOW, sourceUrl: 'https://status.example/' };
}

afterAll(() => stopParseWorker());

describe('parseStatusResponseOffThread', () => {
  it('parses a small body inline, without a worker', async () => {
    const before = parseWorkersStarted();
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'slack')!.build(2_000);
    expect(body.length).toBeLessThanOrEqual(INLINE_MAX_BYTES);
    const snapshot = await parseStatusResponseOffThread(response(body), 'auto');
    expect(snapshot).toEqual(parseStatusNow(response(body), 'auto'));
    expect(snapshot.source).toBe('slack');
    expect(parseWorkersStarted()).toBe(before);
  });

  it('parses big bodies of every kind on the worker, as the inline parser would', async () => {
    for (const input of REALISTIC_INPUTS) {
      const body = input.build(BIG);
      const offThread = await parseStatusResponseOffThread(response(body, 'text/plain'), 'auto');
      expect(offThread, input.name).toEqual(parseStatusNow(response(body, 'text/plain'), 'auto'));
      expect(offThread.source, input.name).toBe(input.kind);
    }
    expect(parseWorkersStarted()).toBeGreaterThanOrEqual(1);
  });

  it('digests on the worker: the component filter applied, a handful of evidence lines back', async () => {
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'slack')!.build(BIG);
    const whole = parseStatusNow(response(body), 'auto');
    expect(whole.incidents.length).toBeGreaterThan(100);
    for (const components of [[], ['Messaging'], ['no such thing']]) {
      const digest = await digestStatusResponseOffThread(response(body), 'auto', { components });
      expect(digest, components.join()).toEqual(digestSnapshot(filterComponents(whole, components)));
      expect(digest.statements.length).toBeLessThanOrEqual(MAX_EVIDENCE_LINES + 1);
    }
  });

  it('decodes a byte body on the worker (UTF-8, non-ASCII text, byte order mark)', async () => {
    const name = 'বাংলা ✓ 😀';
    const json = JSON.stringify({
      status: { indicator: 'none' },
      components: Array.from({ length: 5_000 }, (_, i) => ({ id: `c${i}`, name, status: 'operational' })),
    });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    expect(bytes.byteLength).toBeGreaterThan(INLINE_MAX_BYTES);
    const snapshot = await parseStatusResponseOffThread(response(new Uint8Array(bytes)), 'statuspage');
    expect(snapshot.overall).toBe('ok');
    expect(snapshot.components).toHaveLength(5_000);
    expect(snapshot.components[4_999]?.name).toBe(name);
  });

  it('stops a parse that runs past its time limit, says so, and replaces the worker', async () => {
    const deep = HOSTILE_SHAPES.find((s) => s.name === 'deep JSON nesting')!.build(4 * 1024 * 1024);
    const started = parseWorkersStarted();
    const stuck = await parseStatusResponseOffThread(response(deep), 'statuspage', { timeoutMs: 20 });
    expect(stuck).toMatchObject({
      overall: 'unknown',
      problem: expect.stringMatching(/^parse stopped after 20 ms/),
    });
    // The next big body gets a fresh worker and a real answer.
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'google')!.build(BIG);
    const next = await parseStatusResponseOffThread(response(body), 'auto');
    expect(next.source).toBe('google');
    expect(next.problem).toBeUndefined();
    expect(parseWorkersStarted()).toBe(started + 1);
  });

  it('answers every job still running or waiting when stopped, then starts afresh', async () => {
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'statuspage')!.build(BIG);
    const jobs = [1, 2, 3].map(() => parseStatusResponseOffThread(response(body), 'auto'));
    await stopParseWorker(); // before the worker can answer the first
    for (const snapshot of await Promise.all(jobs)) {
      expect(snapshot).toMatchObject({ overall: 'unknown', problem: 'parse stopped: shutting down' });
    }
    const after = await parseStatusResponseOffThread(response(body), 'auto');
    expect(after.source).toBe('statuspage');
    expect(after.problem).toBeUndefined();
  });
});

describe("checkBodyOffThread (the HTTP probe's body assertions)", () => {
  const expectOf = (expect: Record<string, unknown>) =>
    httpOptionsSchema.parse({ url: 'http://127.0.0.1/', expect }).expect;
  const json = Buffer.from(
    JSON.stringify({ status: 'ok', items: Array.from({ length: 20_000 }, (_, i) => `item ${i} ✓`) }),
  );

  it('answers on the worker as inline for big bodies: keyword, regex, JSON path', async () => {
    expect(json.byteLength).toBeGreaterThan(INLINE_MAX_BYTES);
    const cases = [
      { keyword: 'item 19999 ✓' },
      { keyword: 'absent' },
      { notKeyword: 'item 5' },
      { regex: 'item \\d+ ✓"\\]' },
      { json: { path: 'status', equals: 'ok' } },
      { json: { path: 'items[3]', equals: 'nope' } },
    ];
    for (const expectation of cases) {
      const body = { bytes: new Uint8Array(json), truncated: false, cappedAtBytes: 1 << 24 };
      const inline = checkByteBody(expectOf(expectation), body);
      expect(await checkBodyOffThread(expectOf(expectation), body), JSON.stringify(expectation)).toEqual(
        inline,
      );
    }
  });

  it('turns a check past its time limit into an assertion failure saying so', async () => {
    // The operator's own regex, catastrophic on this body: stopped, not left to hold a thread.
    const body = { bytes: Buffer.from('a'.repeat(200_000)), truncated: false, cappedAtBytes: 1 << 24 };
    const failure = await checkBodyOffThread(expectOf({ regex: '^(a|a)*b' }), body, { timeoutMs: 50 });
    expect(failure).toEqual({
      reason: 'assertion',
      message: 'body check stopped after 50 ms (body too hard to parse)',
    });
  });
});
