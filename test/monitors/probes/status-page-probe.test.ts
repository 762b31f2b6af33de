import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeOutcome } from '../../../src/core/model.js';
import { findProbe } from '../../../src/monitors/registry.js';
import {
  createStatusPageProbe,
  MAX_STATUS_BODY_BYTES,
  outcomeOfSnapshot,
  readStatusPage,
  statusPageOptionsSchema,
  type StatusPageOptions,
} from '../../../src/monitors/probes/status-page-probe.js';
import {
  INLINE_MAX_BYTES,
  parseWorkersStarted,
  parseStatusResponseOffThread,
  stopParseWorker,
} from '../../../src/monitors/probes/parse-worker.js';
import { createConnectionGuard } from '../../../src/monitors/ssrf/ssrf-guard.js';
import { findStatusSource } from '../../../src/sources/registry.js';
import { kindForFixture, listStatusFixtures, readStatusFixture } from '../../sources/status-fixtures.js';
import { freePort, listen } from './probe-test-kit.js';

/** Feeds judge recency against this instant (after every fixture was captured). */
const NOW = Date.parse('2026-11-28T00:00:00Z');
const probe = createStatusPageProbe({ now: () => NOW });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback status host: each path answers with its own handler. */
async function startStatusHost(
  routes: Record<string, Handler>,
): Promise<{ url: (path: string) => string; hits: number }> {
  const state = { hits: 0 };
  const server = createServer((req, res) => {
    state.hits++;
    const handler = routes[req.url ?? '/'];
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  const port = await listen(server);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    get hits() {
      return state.hits;
    },
  };
}

const serve =
  (body: string, contentType = 'application/json', status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  };

function options(
  url: string,
  extra: Partial<Record<keyof StatusPageOptions, unknown>> = {},
): StatusPageOptions {
  return statusPageOptionsSchema.parse({ url, ...extra });
}

function run(opts: StatusPageOptions, timeoutMs = 2000): Promise<ProbeOutcome> {
  return probe.run(opts, { signal: new AbortController().signal, timeoutMs });
}

const FIXTURES = listStatusFixtures().filter((f) => kindForFixture(f) !== undefined);
const contentTypeOf = (fixture: string): string =>
  fixture.endsWith('.json')
    ? 'application/json'
    : fixture.endsWith('.atom')
      ? 'application/atom+xml'
      : 'application/rss+xml';

afterAll(() => stopParseWorker());

describe('statuspage monitor type', () => {
  it('names the vantage point the check is made from in its User-Agent', async () => {
    const agents: (string | undefined)[] = [];
    const host = await startStatusHost({
      '/api/v2/status.json': (req, res) => {
        agents.push(req.headers['user-agent']);
        serve('{}')(req, res);
      },
    });
    const opts = options(host.url('/api/v2/status.json'));
    await probe.run(opts, { signal: new AbortController().signal, timeoutMs: 2000, vantage: 'ap-south' });
    await run(opts);
    expect(agents).toEqual([
      'incident-alert-bot/0.1 (uptime monitor; +vantage=ap-south)',
      'incident-alert-bot/0.1 (uptime monitor)',
    ]);
  });

  it('is registered as an official source under the type docs/design.md §5 names', () => {
    expect(findProbe('statuspage')?.role).toBe('official');
  });

  it('validates its options strictly and defaults to auto-detection', () => {
    expect(options('https://www.githubstatus.com/api/v2/summary.json')).toEqual({
      url: 'https://www.githubstatus.com/api/v2/summary.json',
      format: 'auto',
      components: [],
      maxBodyBytes: 5 * 1024 * 1024,
    });
    expect(statusPageOptionsSchema.safeParse({ url: 'ftp://x/' }).success).toBe(false);
    expect(statusPageOptionsSchema.safeParse({ url: 'https://x/', format: 'instatus' }).success).toBe(false);
    expect(statusPageOptionsSchema.safeParse({ url: 'https://x/', colour: 'red' }).success).toBe(false);
  });

  describe.each(FIXTURES)('fixture %s served on loopback', (fixture) => {
    const kind = kindForFixture(fixture);
    const body = readStatusFixture(fixture);
    const parsed = findStatusSource(kind ?? 'feed')?.parse({
      httpStatus: 200,
      contentType: contentTypeOf(fixture),
      body,
      now: NOW,
    });

    it.each(['auto', kind])('with format %s says what its parser says', async (format) => {
      const host = await startStatusHost({ '/feed': serve(body, contentTypeOf(fixture)) });
      const outcome = await run(options(host.url('/feed'), { format }));
      expect(parsed).toBeDefined();
      expect(outcome).toEqual({ ...outcomeOfSnapshot(parsed!, null), latencyMs: expect.any(Number) });
      expect(outcome.status).not.toBe('unknown');
    });

    it('is unknown, never up, for a truncated copy', async () => {
      const host = await startStatusHost({
        '/feed': serve(body.slice(0, Math.floor(body.length / 2)), contentTypeOf(fixture)),
      });
      const outcome = await run(options(host.url('/feed'), { format: kind }));
      expect(outcome.status).toBe('unknown');
      expect(outcome.reason).toBe('bad-payload');
      expect(outcome.message).toMatch(/^status page unreadable: /);
    });
  });

  it('quotes the open incident as evidence without naming the service (detection frames it)', async () => {
    const body = readStatusFixture('statuspage/github_summary_incident_2022-11-25.json');
    const host = await startStatusHost({ '/api/v2/summary.json': serve(body) });
    const outcome = await run(options(host.url('/api/v2/summary.json')));
    expect(outcome).toMatchObject({
      status: 'degraded',
      reason: 'official-incident',
      message: 'Investigating — Incident with Packages and Pages',
      evidence: ['Investigating — Incident with Packages and Pages'],
    });
  });

  it('applies the component filter: a healthy component of a troubled page is up', async () => {
    const body = readStatusFixture('statuspage/github_summary_incident_2022-11-25.json');
    const host = await startStatusHost({ '/s': serve(body) });
    const gitOnly = await run(options(host.url('/s'), { components: ['Git Operations'] }));
    expect(gitOnly.status).toBe('up');
    const missing = await run(options(host.url('/s'), { components: ['Teleporter'] }));
    expect(missing).toMatchObject({ status: 'unknown', reason: 'bad-payload' });
    expect(missing.message).toContain('no component named "teleporter"');
  });

  it('says down only for a major outage the page declares', () => {
    const snapshot = {
      source: 'statuspage',
      overall: 'major_outage' as const,
      components: [],
      incidents: [
        {
          id: '1',
          title: 'Nothing works',
          phase: 'investigating' as const,
          impact: 'major_outage' as const,
          componentIds: [],
          componentNames: [],
          isMaintenance: false,
        },
      ],
    };
    expect(outcomeOfSnapshot(snapshot, 5)).toMatchObject({ status: 'down', reason: 'official-incident' });
    expect(outcomeOfSnapshot({ ...snapshot, overall: 'partial_outage' }, 5).status).toBe('degraded');
    expect(outcomeOfSnapshot({ ...snapshot, overall: 'maintenance', incidents: [] }, 5)).toMatchObject({
      status: 'maintenance',
      reason: 'official-maintenance',
    });
  });

  it.each([
    [
      'an HTML error page with status 200',
      serve('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>', 'text/html'),
      'bad-payload',
      /HTML page/,
    ],
    [
      'a 500 answer',
      serve('{"status":{"indicator":"none"}}', 'application/json', 500),
      'http-status',
      /HTTP 500/,
    ],
    ['a 503 HTML page', serve('<html>down</html>', 'text/html', 503), 'http-status', /HTTP 503/],
    ['invalid JSON', serve('{"page": {"id": ', 'application/json'), 'bad-payload', /not JSON/],
    [
      'valid JSON of the wrong shape',
      serve('{"page": {"id": 42}, "status": {"indicator": ["none"]}}'),
      'bad-payload',
      /unexpected shape/,
    ],
    ['JSON that is no status format', serve('{"hello": "world"}'), 'bad-payload', /no known status format/],
    ['an empty body', serve('', 'application/json'), 'bad-payload', /empty body/],
    [
      'an unknown indicator',
      serve('{"status": {"indicator": "apocalyptic"}, "components": []}'),
      'bad-payload',
      /unreadable/,
    ],
  ])('is unknown with the reason for %s', async (_name, handler, reason, message) => {
    const host = await startStatusHost({ '/s': handler });
    const outcome = await run(options(host.url('/s')));
    expect(outcome.status).toBe('unknown');
    expect(outcome.reason).toBe(reason);
    expect(outcome.message).toMatch(message);
  });

  it('is unknown, not up, for a feed whose every entry is dated in the future', async () => {
    const future = new Date(NOW + 86_400_000).toUTCString();
    const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Status</title><item><title>Investigating: API errors</title><pubDate>${future}</pubDate><guid>1</guid></item></channel></rss>`;
    const host = await startStatusHost({ '/history.rss': serve(feed, 'application/rss+xml') });
    const outcome = await run(options(host.url('/history.rss')));
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'bad-payload' });
    expect(outcome.message).toMatch(/in the future/);
  });

  it('stops reading a 50 MB body at the cap and says so', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    const host = await startStatusHost({
      '/big': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.on('error', () => {});
        const pump = (): void => {
          while (written < 50 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      },
    });
    const outcome = await run(options(host.url('/big')), 10_000);
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'too-large' });
    expect(outcome.message).toMatch(/over 5 MiB/);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(MAX_STATUS_BODY_BYTES).toBe(5 * 1024 * 1024);
  });

  it('follows a moved status host', async () => {
    const body = readStatusFixture('statuspage/discord_summary_operational.json');
    const host = await startStatusHost({
      '/old': (_req, res) => {
        res.writeHead(301, { location: '/new' });
        res.end();
      },
      '/new': serve(body),
    });
    expect((await run(options(host.url('/old')))).status).toBe('up');
  });

  it('is unknown, not down, when the page does not answer in time', async () => {
    const host = await startStatusHost({ '/slow': () => {} }); // never answers
    const outcome = await run(options(host.url('/slow')), 200);
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'timeout' });
  });

  it('is unknown, not down, when nothing listens', async () => {
    const port = await freePort();
    const outcome = await run(options(`http://127.0.0.1:${port}/api/v2/summary.json`));
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'refused' });
  });

  it('stops its parse on the worker when the check is cancelled', async () => {
    // Deep JSON nesting: seconds of JSON.parse, unless the cancelled check stops it.
    const deep = '['.repeat(8 * 1024 * 1024 - 1024) + ']'.repeat(8 * 1024 * 1024 - 1024);
    const host = await startStatusHost({ '/deep.json': serve(deep) });
    const caller = new AbortController();
    const running = probe.run(options(host.url('/deep.json'), { maxBodyBytes: 16 * 1024 * 1024 }), {
      signal: caller.signal,
      timeoutMs: 30_000,
    });
    while (host.hits === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the parse is running on the worker
    const workers = parseWorkersStarted();
    caller.abort();
    expect(await running).toMatchObject({ status: 'unknown', reason: 'aborted' });
    // The worker was stopped, not left to finish: the next parse gets a fresh one.
    const body = JSON.stringify({
      status: { indicator: 'none' },
      components: [],
      pad: 'x'.repeat(INLINE_MAX_BYTES),
    });
    const response = {
      httpStatus: 200,
      contentType: 'application/json',
      body,
      now: NOW,
      sourceUrl: host.url('/'),
    };
    expect(await parseStatusResponseOffThread(response, 'statuspage')).toMatchObject({ overall: 'ok' });
    expect(parseWorkersStarted()).toBe(workers + 1);
  });

  it('reads a page the same way with or without I/O (readStatusPage is the pure half)', () => {
    const body = readStatusFixture('slack/current_active_2020-07-30.json');
    const snapshot = readStatusPage(
      { format: 'auto', components: [] },
      { contentType: 'application/json', body, url: 'http://s/' },
      NOW,
    );
    expect(snapshot.source).toBe('slack');
    expect(outcomeOfSnapshot(snapshot, null).status).toBe('degraded');
  });
});

describe('statuspage probe through the SSRF guard (pages added with /watch)', () => {
  const summary = readFileSync(
    new URL('../../fixtures/status/statuspage/discord_summary_operational.json', import.meta.url),
    'utf8',
  );
  /** Every name resolves to loopback; `allowed` decides whether the policy lets it through. */
  const guarded = (allowed: readonly string[]) =>
    createStatusPageProbe({
      now: () => NOW,
      createGuard: () =>
        createConnectionGuard({
          resolve: () => Promise.resolve(['127.0.0.1']),
          policy: { allowedRanges: allowed },
        }),
    });

  it('reads a page whose host the guard allows, connecting to the vetted address', async () => {
    const host = await startStatusHost({ '/api/v2/summary.json': serve(summary) });
    const url = host.url('/api/v2/summary.json').replace('127.0.0.1', 'status.example.test');
    const outcome = await guarded(['127.0.0.1/32']).run(options(url), {
      signal: new AbortController().signal,
      timeoutMs: 2000,
    });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });

  it('is unknown (blocked), never down, for a host the guard refuses, and a redirect to one', async () => {
    const host = await startStatusHost({
      '/moved': (_req, res) => {
        res.writeHead(302, { location: 'http://10.0.0.1/api/v2/summary.json' });
        res.end();
      },
    });
    const ctx = { signal: new AbortController().signal, timeoutMs: 2000 };
    const refused = await guarded([]).run(options(host.url('/api/v2/summary.json')), ctx);
    expect(refused).toMatchObject({ status: 'unknown', reason: 'blocked' });
    expect(refused.message).toContain('loopback');
    const redirected = await guarded(['127.0.0.1/32']).run(options(host.url('/moved')), ctx);
    expect(redirected).toMatchObject({ status: 'unknown', reason: 'blocked' });
    expect(redirected.message).toContain('private (redirect 1)');
  });
});
