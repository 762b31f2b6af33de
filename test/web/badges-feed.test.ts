import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorDef, ServiceDef } from '../../src/core/catalog.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { createHttpServer } from '../../src/web/http-server.js';
import { StatusView } from '../../src/web/status-view.js';
import { renderAtomFeed } from '../../src/web/atom-feed.js';
import { badgeOf } from '../../src/web/badges.js';
import { serviceDetailSchema } from '../../src/web/api-schemas.js';
import { checkWellFormedXml } from '../helpers/xml-check.js';
import { type WebHarness, startWebHarness } from './web-harness.js';

const MINUTE = 60_000;
/** A name as hostile as a chat monitor's may be: markup, both quotes, an ampersand. */
const HOSTILE = `Evil "quoted" <script>alert('x')</script> & co`;
const YAML = `defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 } }
services:
  - id: whatsapp
    name: WhatsApp
    monitors:
      - { type: http, url: "https://web.whatsapp.com/" }
  - id: evil
    name: ${JSON.stringify(HOSTILE)}
    monitors:
      - { type: http, url: "https://evil.example/" }
`;

describe('badges, the incidents feed and uptime over HTTP', () => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  /** WhatsApp: one good check, then down (confirmed by the second failure); the hostile service up. */
  async function withOutage(): Promise<{ wa: string; evil: string }> {
    web = await startWebHarness(YAML);
    const [wa, evil] = web.services.monitors.map((m) => m.id) as [string, string];
    for (let i = 0; i < 4; i++) {
      web.check(wa, { status: i < 1 ? 'up' : 'down' });
      web.check(evil, { status: 'up', latencyMs: 100 + i * 100 });
      web.clock.advance(MINUTE);
    }
    return { wa, evil };
  }

  const get = (path: string) => fetch(`${web.url}${path}`);

  describe('GET /badge/:id/status.svg', () => {
    it("draws the service's name and state in its colour, as an SVG image cached for a minute", async () => {
      const { wa } = await withOutage();
      const res = await get('/badge/whatsapp/status.svg');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('max-age=60');
      const svg = await res.text();
      expect(checkWellFormedXml(svg)).toBe('svg');
      expect(svg).toContain('aria-label="WhatsApp: down"');
      expect(svg).toContain('fill="#dd4343"'); // badge-maker's red

      web.check(wa, { status: 'up' });
      web.check(wa, { status: 'up' });
      const up = await (await get('/badge/whatsapp/status.svg')).text();
      expect(up).toContain('aria-label="WhatsApp: up"');
      expect(up).toContain('fill="#4b0"'); // brightgreen
    });

    it('keeps a hostile name as text', async () => {
      await withOutage();
      const svg = await (await get('/badge/evil/status.svg')).text();
      checkWellFormedXml(svg);
      expect(svg).not.toContain('<script');
      expect(svg).toContain(
        'Evil &quot;quoted&quot; &lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; co: up',
      );
    });

    it('answers an unknown or malformed id with a grey 404 badge', async () => {
      await withOutage();
      for (const path of ['/badge/nope/status.svg', '/badge/..%2Fetc/status.svg', '/badge/nope/uptime.svg']) {
        const res = await get(path);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
        expect(await res.text()).toContain('aria-label="badge: unknown service"');
      }
    });

    it('drops characters XML forbids from a label instead of breaking the image', () => {
      const { svg } = badgeOf(200, 'bell\u0007 and \ud800 lone surrogate', 'up', 'green');
      expect(checkWellFormedXml(svg)).toBe('svg');
      expect(svg).toContain('bell and lone surrogate: up');
    });
  });

  describe('GET /badge/:id/uptime.svg', () => {
    it('says the uptime of the last 30 days by default, coloured by thresholds, rendered once a minute', async () => {
      const { wa } = await withOutage();
      const res = await get('/badge/whatsapp/uptime.svg');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('max-age=60');
      const svg = await res.text();
      checkWellFormedXml(svg);
      expect(svg).toContain('aria-label="WhatsApp uptime 30d: 25.00%"');
      expect(svg).toContain('fill="#dd4343"');
      expect(await (await get('/badge/evil/uptime.svg?days=7&v=2')).text()).toContain('uptime 7d: 100.00%');

      // 96 more good checks: 97 of 100. The badge is the one rendered until a minute has passed.
      for (let i = 0; i < 96; i++) web.check(wa, { status: 'up' });
      expect(await (await get('/badge/whatsapp/uptime.svg')).text()).toContain(': 25.00%');
      web.clock.advance(MINUTE);
      const later = await (await get('/badge/whatsapp/uptime.svg')).text();
      expect(later).toContain('aria-label="WhatsApp uptime 30d: 97.00%"');
      expect(later).toContain('fill="#d8b800"'); // yellow: at least 95 %, under 98 %
    });

    it('cuts a long name, not the period, to fit the label', async () => {
      web = await startWebHarness(YAML.replace('name: WhatsApp', `name: ${'W'.repeat(100)}`));
      const svg = await (await get('/badge/whatsapp/uptime.svg?days=7')).text();
      expect(svg).toContain(`aria-label="${'W'.repeat(49)}… uptime 7d: no data"`);
      const status = await (await get('/badge/whatsapp/status.svg')).text();
      expect(status).toContain(`aria-label="${'W'.repeat(59)}…: unknown"`);
    });

    it('says "no data" for a service without checks', async () => {
      web = await startWebHarness(YAML);
      expect(await (await get('/badge/whatsapp/uptime.svg?days=90')).text()).toContain(
        'aria-label="WhatsApp uptime 90d: no data"',
      );
    });

    it('refuses days outside 1-90 or not whole with a 400 badge that says so', async () => {
      await withOutage();
      for (const days of ['0', '91', 'abc', '1.5', '']) {
        const res = await get(`/badge/whatsapp/uptime.svg?days=${days}`);
        expect(res.status, days).toBe(400);
        expect(await res.text()).toContain('aria-label="days: must be a whole number from 1 to 90"');
      }
      expect((await get('/badge/whatsapp/uptime.svg?days=1')).status).toBe(200);
      expect((await get('/badge/whatsapp/uptime.svg?days=90')).status).toBe(200);
    });
  });

  describe('GET /api/services/:id', () => {
    it('has uptime and the p95 of hourly p95s for 7, 30 and 90 days', async () => {
      await withOutage();
      const evil = serviceDetailSchema.parse(await (await get('/api/services/evil')).json());
      // Latencies 100-400 ms in the current hour: its p95 by nearest rank is 400.
      expect(evil.uptime).toEqual(
        [7, 30, 90].map((days) => ({ days, checks: 4, failures: 0, uptime: 1, p95OfHourlyP95Ms: 400 })),
      );
      const wa = serviceDetailSchema.parse(await (await get('/api/services/whatsapp')).json());
      expect(wa.uptime[0]).toEqual({ days: 7, checks: 4, failures: 3, uptime: 0.25, p95OfHourlyP95Ms: 120 });
    });
  });

  describe('GET /feed.atom', () => {
    it('is well-formed Atom 1.0: one entry per incident, its id kept from down to resolved', async () => {
      const { wa } = await withOutage();
      const res = await get('/feed.atom');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
      const open = await res.text();
      expect(checkWellFormedXml(open)).toBe('feed');
      expect(open).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
      expect(open).toMatch(
        /<id>urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}<\/id>/,
      );
      expect(open).toContain('<link rel="self" type="application/atom+xml" href="/feed.atom?lang=en"/>');
      const entries = [...open.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1] ?? '');
      expect(entries).toHaveLength(1);
      const entry = entries[0] ?? '';
      expect(entry).toContain('<title type="text">WhatsApp: down since Mar 19, 5:02 PM UTC</title>');
      expect(entry).toContain('<link rel="alternate" type="text/html" href="/services/whatsapp?lang=en"/>');
      expect(entry).toContain('HTTP 503');
      const id = /<id>(urn:uuid:[^<]+)<\/id>/.exec(entry)?.[1];

      web.check(wa, { status: 'up' });
      web.check(wa, { status: 'up' });
      web.clock.advance(MINUTE);
      const resolved = await (await get('/feed.atom')).text();
      checkWellFormedXml(resolved);
      const after = /<entry>([\s\S]*?)<\/entry>/.exec(resolved)?.[1] ?? '';
      expect(after).toContain(`<id>${id}</id>`);
      expect(after).toMatch(/<title type="text">WhatsApp: resolved after 2 minutes<\/title>/);
      expect(after).toContain(`<updated>${new Date(web.clock.now() - MINUTE).toISOString()}</updated>`);
    });

    it("keeps a hostile name as text, and narrows to one service's incidents with ?service=", async () => {
      const { evil } = await withOutage();
      for (let i = 0; i < 2; i++) {
        web.check(evil, { status: 'down' });
        web.clock.advance(MINUTE);
      }
      const all = await (await get('/feed.atom')).text();
      checkWellFormedXml(all);
      expect(all).not.toContain('<script');
      expect(all).toContain(
        'Evil &quot;quoted&quot; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co: down since',
      );
      expect(all.match(/<entry>/g)).toHaveLength(2);

      const one = await (await get('/feed.atom?service=evil')).text();
      checkWellFormedXml(one);
      expect(one.match(/<entry>/g)).toHaveLength(1);
      expect(one).toContain(
        '<link rel="self" type="application/atom+xml" href="/feed.atom?service=evil&amp;lang=en"/>',
      );
      expect(one).toContain('<title type="text">Evil &quot;quoted&quot; &lt;script&gt;');
    });

    it('speaks Bengali with ?lang=bn', async () => {
      await withOutage();
      const feed = await (await get('/feed.atom?lang=bn')).text();
      checkWellFormedXml(feed);
      expect(feed).toContain('xml:lang="bn"');
      const title = /<entry>[\s\S]*?<title type="text">([^<]*)<\/title>/.exec(feed)?.[1] ?? '';
      expect(title).toMatch(/^WhatsApp: .*[০-৯].* থেকে বন্ধ$/);
    });

    it('answers an unknown service with 404 and a bad query with 400, in JSON', async () => {
      await withOutage();
      const missing = await get('/feed.atom?service=nope');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'unknown service "nope"' });
      for (const query of ['?service=..%2F', '?lang=xx', '?page=2']) {
        const res = await get(`/feed.atom${query}`);
        expect(res.status, query).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'bad query' });
      }
    });
  });

  it("shows a chat monitor's hostile name as text when chat monitors are public, and nothing of it when not", async () => {
    web = await startWebHarness(YAML);
    const name = '<img src=x onerror=alert(1)> "chat" & \'co\'';
    const service: ServiceDef = {
      id: 'chat-1',
      name,
      group: null,
      quorum: null,
      crowd: false,
      monitorIds: ['chat-1-http'],
    };
    const monitor = { id: 'chat-1-http', serviceId: 'chat-1', type: 'http', role: 'probe' } as MonitorDef;
    web.db
      .prepare(
        `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
         VALUES ('chat-1', 'major', 'down', ?, ?, NULL, 'none', '[]')`,
      )
      .run(web.clock.now(), web.clock.now());
    const appWith = (isPublic: boolean) =>
      createHttpServer(
        new StatusView(
          web.services,
          web.engine,
          new SqliteQueryStore(web.db),
          web.clock,
          { lastTick: null },
          [],
          { public: isPublic, idPrefix: 'chat-', registered: () => [{ service, monitor }] },
        ),
        pino({ level: 'silent' }),
      );

    const open = appWith(true);
    const badge = await open.inject('/badge/chat-1/status.svg');
    expect(badge.statusCode).toBe(200);
    checkWellFormedXml(badge.body);
    expect(badge.body).not.toContain('<img');
    expect(badge.body).toContain(
      '&lt;img src=x onerror=alert(1)&gt; &quot;chat&quot; &amp; &apos;co&apos;: unknown',
    );
    const feed = (await open.inject('/feed.atom')).body;
    checkWellFormedXml(feed);
    expect(feed).not.toContain('<img');
    expect(feed).toContain(
      '<title type="text">&lt;img src=x onerror=alert(1)&gt; &quot;chat&quot; &amp; &#39;co&#39;: down since',
    );
    await open.close();

    const closed = appWith(false);
    expect((await closed.inject('/badge/chat-1/status.svg')).statusCode).toBe(404);
    expect((await closed.inject('/badge/chat-1/uptime.svg')).statusCode).toBe(404);
    expect((await closed.inject('/feed.atom?service=chat-1')).statusCode).toBe(404);
    expect((await closed.inject('/feed.atom')).body).not.toContain('<entry>');
    await closed.close();
  });

  it('renders a feed whose texts hold characters XML forbids as well-formed XML', () => {
    const xml = renderAtomFeed({
      locale: 'en',
      service: { id: 'x', name: 'bell\u0007' },
      now: Date.UTC(2024, 0, 1),
      incidents: [
        {
          id: 1,
          serviceId: 'x',
          serviceName: 'bell\u0007 \udfff',
          severity: 'major',
          status: 'down',
          startedAt: '2024-01-01T00:00:00.000Z',
          updatedAt: '2024-01-01T00:00:00.000Z',
          resolvedAt: null,
          durationMs: null,
          evidence: [],
        },
      ],
    });
    expect(checkWellFormedXml(xml)).toBe('feed');
    expect(xml).toContain('<title type="text">bell : down since');
  });
});
