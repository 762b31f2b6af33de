import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ProbeOutcome } from '../../src/core/model.js';
import {
  createStatusPageProbe,
  statusPageOptionsSchema,
} from '../../src/monitors/probes/status-page-probe.js';
import { charsetOfContentType, decodeBody, xmlPrologEncoding } from '../../src/sources/decode-body.js';
import { listen } from '../monitors/probes/probe-test-kit.js';
import { readStatusFixtureBytes } from './status-fixtures.js';

/** Constructed (no real latin-1 status feed was found): a Statuspage-style history.rss in ISO-8859-1. */
const LATIN1_RSS = readStatusFixtureBytes('latin1/constructed_statuspage_history_iso-8859-1.rss');
const TITLE = 'Störung bei der Anmeldung über München';
const NOW = Date.parse('2026-12-07T09:00:00Z');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const serveBytes =
  (bytes: Uint8Array, contentType: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(Buffer.from(bytes));
  };

/** The real status-page probe against a loopback server answering `/s` with `handler`. */
async function probeOnce(handler: Handler, format = 'auto'): Promise<ProbeOutcome> {
  const server = createServer((req, res) => {
    if (req.url === '/s') handler(req, res);
    else res.writeHead(404).end();
  });
  const port = await listen(server);
  try {
    const probe = createStatusPageProbe({ now: () => NOW });
    const options = statusPageOptionsSchema.parse({ url: `http://127.0.0.1:${port}/s`, format });
    return await probe.run(options, { signal: new AbortController().signal, timeoutMs: 2000 });
  } finally {
    server.close();
  }
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** A Statuspage summary whose component and incident names need latin-1 (Zürich, Störung). */
const SUMMARY = JSON.stringify({
  page: { id: 'p', name: 'Beispiel', updated_at: '2026-12-07T08:59:00Z' },
  status: { indicator: 'minor', description: 'Minor Service Outage' },
  components: [{ id: 'z', name: 'Rechenzentrum Zürich', status: 'degraded_performance' }],
  incidents: [{ id: 'i', name: 'Störung in Zürich', status: 'identified', impact: 'minor' }],
});

describe('charset of a status response', () => {
  it('reads the charset parameter and the XML prolog', () => {
    expect(charsetOfContentType('application/json; charset=ISO-8859-1')).toBe('iso-8859-1');
    expect(charsetOfContentType('text/xml;charset="windows-1252"')).toBe('windows-1252');
    expect(charsetOfContentType('application/json')).toBeUndefined();
    expect(xmlPrologEncoding(latin1("<?xml version='1.0' encoding='ISO-8859-1'?><rss/>"))).toBe('iso-8859-1');
    expect(xmlPrologEncoding(latin1('<rss encoding="latin1"/>'))).toBeUndefined();
  });

  it.each([
    ['header charset iso-8859-1', latin1('Zürich'), 'text/plain; charset=iso-8859-1', 'Zürich'],
    [
      'header charset windows-1252 (its € at 0x80)',
      latin1('\x80 5 \x96 Zürich'),
      'text/plain; charset=windows-1252',
      '€ 5 – Zürich',
    ],
    [
      'header charset iso-8859-1 read as windows-1252, as browsers do',
      latin1('\x93Zürich\x94'),
      'text/plain; charset=ISO-8859-1',
      '“Zürich”',
    ],
    ['no charset: UTF-8', Buffer.from('Zürich'), 'application/json', 'Zürich'],
    [
      'XML prolog when the header names no charset',
      latin1('<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>'),
      'application/rss+xml',
      '<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>',
    ],
    [
      'header charset over the XML prolog',
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>'),
      'application/xml; charset=utf-8',
      '<?xml version="1.0" encoding="ISO-8859-1"?><t>Zürich</t>',
    ],
    ['a BOM over the header', Buffer.from('\uFEFFZürich'), 'text/plain; charset=iso-8859-1', 'Zürich'],
    ['a UTF-16 BOM', Buffer.from('\uFEFFZürich', 'utf16le'), 'application/json', 'Zürich'],
  ])('%s', (_name, bytes, contentType, text) => {
    expect(decodeBody(bytes, contentType)).toMatchObject({ text });
    expect(decodeBody(bytes, contentType).note).toBeUndefined();
  });

  it('falls back to UTF-8 for a charset it does not know, and says so', () => {
    expect(decodeBody(Buffer.from('Zürich'), 'text/plain; charset=x-klingon')).toEqual({
      text: 'Zürich',
      encoding: 'utf-8',
      note: 'unknown charset "x-klingon", read as UTF-8',
    });
  });
});

describe('the status-page probe decodes the body by its charset (loopback server)', () => {
  it('a latin-1 RSS feed declared only in its XML prolog', async () => {
    const outcome = await probeOnce(serveBytes(LATIN1_RSS, 'application/rss+xml'));
    expect(outcome).toMatchObject({ status: 'degraded', reason: 'official-incident' });
    expect(outcome.message).toBe(`Investigating — ${TITLE}`);
    expect(outcome.message).not.toContain('\uFFFD');
  });

  it.each(['iso-8859-1', 'ISO-8859-1', 'latin1', 'windows-1252'])(
    'a JSON summary served with charset=%s',
    async (charset) => {
      const outcome = await probeOnce(serveBytes(latin1(SUMMARY), `application/json; charset=${charset}`));
      expect(outcome).toMatchObject({ status: 'degraded', evidence: ['Identified — Störung in Zürich'] });
    },
  );

  it('without the header charset the same latin-1 JSON bytes are not silently right', async () => {
    // No declaration at all: UTF-8 is the only honest reading, and it shows replacement characters.
    const outcome = await probeOnce(serveBytes(latin1(SUMMARY), 'application/json'));
    expect(outcome.message).toContain('\uFFFD');
  });

  it('an unknown charset reads as UTF-8 and the page still parses', async () => {
    const outcome = await probeOnce(
      serveBytes(Buffer.from(SUMMARY), 'application/json; charset=x-unknown-charset'),
    );
    expect(outcome).toMatchObject({ status: 'degraded', evidence: ['Identified — Störung in Zürich'] });
  });

  it('a multi-byte UTF-8 character split across chunks stays whole', async () => {
    const bytes = Buffer.from(SUMMARY);
    const split = bytes.indexOf(Buffer.from('ü')) + 1; // between the two bytes of "ü"
    const outcome = await probeOnce((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, split));
      setTimeout(() => res.end(bytes.subarray(split)), 20);
    });
    expect(outcome).toMatchObject({ evidence: ['Identified — Störung in Zürich'] });
  });
});
