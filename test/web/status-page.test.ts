import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { serviceDetailSchema, serviceListSchema } from '../../src/web/api-schemas.js';
import { SERVICE_LIST_CACHE_MS } from '../../src/web/status-view.js';
import { BAR_DAYS } from '../../src/charts/service-history.js';
import { FULL_INDEX_MAX, INDEX_CACHE_MS, StatusPage } from '../../src/web/status-page.js';
import {
  CONTROL_SERVICES_YAML,
  SERVICES_YAML,
  START,
  type WebHarness,
  startWebHarness,
} from './web-harness.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('status page over HTTP', () => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  /** WhatsApp down from START + 2 min (two failed checks confirm it); GitHub up throughout. */
  async function withOutage(): Promise<WebHarness> {
    web = await startWebHarness();
    const ids = web.services.monitors.map((m) => m.id);
    const [wa, gh] = ids as [string, string];
    for (let i = 0; i < 4; i++) {
      web.check(wa, { status: i < 1 ? 'up' : 'down' });
      web.check(gh, { status: 'up' });
      web.clock.advance(MINUTE);
    }
    return web;
  }

  it('lists every service with its state in words, the down one with its incident and evidence on top', async () => {
    await withOutage();
    const res = await fetch(`${web.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const ongoing = html.slice(html.indexOf('Ongoing incidents'), html.indexOf('id="services-h"'));
    expect(ongoing).toContain('WhatsApp');
    expect(ongoing).toContain('web.whatsapp.com');
    expect(ongoing).toMatch(/HTTP 503/);
    expect(html).toMatch(/WhatsApp<\/a>\s*<span class="badge s-down">down<\/span>/);
    expect(html).toMatch(/<span class="badge s-up">up<\/span>/);
  });

  it("serves a probe's facts with its evidence in the API, beside its message", async () => {
    await withOutage();
    const detail = serviceDetailSchema.parse(await (await fetch(`${web.url}/api/services/whatsapp`)).json());
    expect(detail.evidence).toEqual([
      expect.objectContaining({ reason: 'http-status', message: 'HTTP 503', facts: { statusCode: 503 } }),
    ]);
  });

  it('draws each bar on the index in runs of alike days, today coloured by the failure and titled with uptime and incidents', async () => {
    await withOutage();
    const html = await (await fetch(`${web.url}/`)).text();
    const bars = [...html.matchAll(/<ol class="bar"[^>]*>(.*?)<\/ol>/gs)].map((m) => m[1] ?? '');
    expect(bars).toHaveLength(2);
    // 89 days without checks are one cell as wide as 89 days, then today: two cells, not 90.
    const cells = [
      ...(bars[0] ?? '').matchAll(/<li class="cell s-(\w+)"( style="flex-grow:(\d+)")? title="([^"]*)"/g),
    ];
    expect(cells.map((c) => [c[1], c[3], c[4]])).toEqual([
      ['unknown', '89', 'Dec 20 – Mar 18: no checks, 0 incidents (unknown)'],
      ['down', undefined, 'Mar 19: 25% uptime, 1 incident (down)'],
    ]);
  });

  it("keeps the service page's bar at one cell per day, each titled", async () => {
    await withOutage();
    const html = await (await fetch(`${web.url}/services/whatsapp`)).text();
    expect(html).toContain('<h2 id="days-h">Availability over the last 90 days</h2>');
    const bar = /<ol class="bar"[^>]*>(.*?)<\/ol>/s.exec(html)?.[1] ?? '';
    const cells = [...bar.matchAll(/<li class="cell s-(\w+)" title="([^"]*)"><\/li>/g)];
    expect(cells).toHaveLength(BAR_DAYS);
    expect([cells.at(-1)?.[1], cells.at(-1)?.[2]]).toEqual(['down', 'Mar 19: 25% uptime, 1 incident (down)']);
    expect([cells.at(-2)?.[1], cells.at(-2)?.[2]]).toEqual([
      'unknown',
      'Mar 18: no checks, 0 incidents (unknown)',
    ]);
  });

  it("counts only a service's own probes in its day cells, not its official status page", async () => {
    web = await startWebHarness(`services:
  - id: discord
    name: Discord
    monitors:
      - { type: http, url: "https://discord.com/" }
      - { type: statuspage, url: "https://discordstatus.com/api/v2/summary.json" }
  - id: github
    name: GitHub
    monitors:
      - { type: http, url: "https://github.com/" }
`);
    const [probe, official, github] = web.services.monitors.map((m) => m.id) as [string, string, string];
    for (let i = 0; i < 4; i++) {
      // One failed probe check in four, never two in a row: no incident.
      web.check(probe, { status: i === 1 ? 'down' : 'up' });
      web.check(official, { status: 'up' });
      web.check(github, { status: 'up' });
      web.clock.advance(MINUTE);
    }
    const html = await (await fetch(`${web.url}/`)).text();
    const bars = [...html.matchAll(/<ol class="bar"[^>]*>(.*?)<\/ol>/gs)].map((m) => m[1] ?? '');
    const todayTitle = (bar: string): string | undefined =>
      [...bar.matchAll(/<li class="cell s-\w+" title="([^"]*)"/g)].at(-1)?.[1];
    expect(todayTitle(bars[0] ?? '')).toMatch(/^Mar 19: 75% uptime/); // 3 of 4, not 7 of 8
    expect(todayTitle(bars[1] ?? '')).toMatch(/^Mar 19: 100% uptime/);
  });

  it('shows the unstable badge only on a degraded service, not on one down by its other probes', async () => {
    web =
      await startWebHarness(`defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 }, flap: { changes: 2, window: 30m } }
services:
  - id: shop
    name: Shop
    monitors:
      - { type: http, url: "https://shop.example/a" }
      - { type: http, url: "https://shop.example/b" }
      - { type: http, url: "https://shop.example/c" }
`);
    const [a, b, c] = web.services.monitors.map((m) => m.id) as [string, string, string];
    const step = (outcomes: readonly ['up' | 'down', 'up' | 'down', 'up' | 'down']): void => {
      web.clock.advance(MINUTE);
      outcomes.forEach((status, i) => web.check([a, b, c][i] ?? a, { status }));
    };
    // `a` goes down, up and down again: 3 changes in the window, flapping.
    for (const s of ['up', 'down', 'down', 'up', 'up', 'down', 'down'] as const) step([s, 'up', 'up']);
    expect(web.view.listServices()[0]).toMatchObject({ status: 'degraded', unstable: true });
    // The other two go down: the service is down by quorum, and says so without the badge.
    for (let i = 0; i < 2; i++) step(['down', 'down', 'down']);
    const shop = web.view.listServices()[0];
    expect(shop?.status).toBe('down');
    expect(shop?.unstable).toBeUndefined();
  });

  it('escapes service names everywhere', async () => {
    await withOutage();
    const html = await (await fetch(`${web.url}/`)).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('GitHub &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('speaks Bengali with Bengali digits for ?lang=bn and for Accept-Language: bn', async () => {
    await withOutage();
    const viaQuery = await (await fetch(`${web.url}/?lang=bn`)).text();
    const viaHeader = await (
      await fetch(`${web.url}/`, { headers: { 'accept-language': 'bn-BD,bn;q=0.9,en;q=0.5' } })
    ).text();
    for (const html of [viaQuery, viaHeader]) {
      expect(html).toContain('<html lang="bn">');
      expect(html).toContain('সার্ভিসের অবস্থা');
      expect(html).toMatch(/গত ৯০ দিনের প্রাপ্যতা/);
      expect(html).toMatch(/২৫%/);
    }
  });

  it('speaks Hindi with Devanagari digits for ?lang=hi and for Accept-Language: hi-IN', async () => {
    await withOutage();
    const viaQuery = await (await fetch(`${web.url}/?lang=hi`)).text();
    const viaHeader = await (
      await fetch(`${web.url}/`, { headers: { 'accept-language': 'hi-IN,hi;q=0.9,en;q=0.5' } })
    ).text();
    for (const html of [viaQuery, viaHeader]) {
      expect(html).toContain('<html lang="hi">');
      expect(html).toContain('<h1>सेवाओं की स्थिति</h1>');
      expect(html).toMatch(/पिछले ९० दिनों की उपलब्धता/);
      expect(html).toMatch(/२५%/);
    }
  });

  it('lists every language in the switch by its own name, the current one marked, on every page', async () => {
    await withOutage();
    for (const path of ['/', '/services/whatsapp', '/services/nope']) {
      const html = await (await fetch(`${web.url}${path}?lang=hi`)).text();
      const nav = /<nav aria-label="भाषा">(.*?)<\/nav>/s.exec(html)?.[1] ?? '';
      const page = path === '/services/nope' ? '/' : path;
      expect(nav, path).toContain(`<a href="${page}?lang=en" hreflang="en" lang="en">English</a>`);
      expect(nav, path).toContain(`<a href="${page}?lang=bn" hreflang="bn" lang="bn">বাংলা</a>`);
      expect(nav, path).toContain('<span aria-current="true" lang="hi">हिन्दी</span>');
      expect(nav, path).not.toContain('?lang=hi');
    }
  });

  it('keeps the chosen language in its links: English chosen on a Hindi browser stays English', async () => {
    await withOutage();
    const hindiBrowser = { headers: { 'accept-language': 'hi-IN,hi;q=0.9' } };
    const index = await (await fetch(`${web.url}/?lang=en`, hindiBrowser)).text();
    expect(index).toContain('<html lang="en">');
    const link = /<a href="(\/services\/whatsapp[^"]*)">WhatsApp<\/a>/.exec(index)?.[1];
    expect(link).toBe('/services/whatsapp?lang=en');
    const detail = await (await fetch(`${web.url}${link ?? ''}`, hindiBrowser)).text();
    expect(detail).toContain('<html lang="en">');
    expect(detail).toContain('<a href="/?lang=en">');
  });

  it("answers a bad query in the browser's language", async () => {
    web = await startWebHarness();
    const res = await fetch(`${web.url}/?lang=fr`, { headers: { 'accept-language': 'hi-IN' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<html lang="hi">');
  });

  it('refuses unknown query parameters and languages with a 400 page', async () => {
    web = await startWebHarness();
    for (const q of ['?lang=fr', '?lang=bn&x=1', '?lang[]=bn']) {
      const res = await fetch(`${web.url}/${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.text()).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('shows one service with its chart, monitors and last outcomes, and incident history with durations', async () => {
    await withOutage();
    const wa = web.services.monitors[0]?.id ?? '';
    for (let i = 0; i < 2; i++) {
      web.check(wa, { status: 'up', latencyMs: 300 });
      web.clock.advance(MINUTE);
    }
    const html = await (await fetch(`${web.url}/services/whatsapp`)).text();
    expect(html).toContain('<svg');
    expect(html).toMatch(/<title id="chart-title">Response time, last 24 hours<\/title>/);
    expect(html).toContain('6 checks, 3 failed, 0 user reports in the last 24 hours');
    expect(html).toContain('https://web.whatsapp.com/');
    expect(html).toMatch(/last check: <time[^>]*>Mar 19, 5:05 PM UTC<\/time> — HTTP 200 \(300 ms\)/);
    expect(html).toMatch(/resolved after 3 minutes/);
  });

  it('answers an unknown or malformed service id with a 404 page, not a stack trace', async () => {
    web = await startWebHarness();
    for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd', `${'a'.repeat(80)}Z`]) {
      const res = await fetch(`${web.url}/services/${id}`);
      expect(res.status, id).toBe(404);
      const html = await res.text();
      expect(html).toContain('There is no service with this id.');
      expect(html).not.toContain('passwd');
    }
  });

  it('keeps days before today from the hourly roll-ups', async () => {
    await withOutage();
    web.clock.set(START + DAY + 2 * 3_600_000);
    new SqliteHistoryStore(web.db).rollUpCompleteHours(web.clock.now());
    const html = await (await fetch(`${web.url}/`)).text();
    expect(html).toContain('Mar 19: 25% uptime, 1 incident (down)');
    expect(html).toContain('Mar 20: no checks, 1 incident (down)'); // still open, so today touches it
  });
});

describe('the index at 1,000 services', () => {
  const SERVICES = 1000;
  /** Seven groups of the services file, every third service in none. */
  const groupOf = (i: number): string | null => (i % 3 === 0 ? null : `g${i % 7}`);
  let web: WebHarness;
  let ids: string[];

  beforeAll(async () => {
    web = await startWebHarness(`defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 } }
services:
${Array.from({ length: SERVICES }, (_, i) => {
  const group = groupOf(i);
  return `  - { id: s${i}, name: Service ${i}, ${group ? `group: ${group}, ` : ''}monitors: [ { type: http, url: "https://s${i}.example/" } ] }`;
}).join('\n')}
control:
  - { type: tcp, host: 192.0.2.1, port: 53 }
`);
    ids = web.services.services.map((s) => s.monitorIds[0] ?? '');
    for (let round = 0; round < 2; round++) {
      ids.forEach((id, i) => web.check(id, { status: i === 5 ? 'down' : 'up' }));
      web.clock.advance(MINUTE);
    }
  });
  afterAll(async () => web?.close());

  const index = async (lang = 'en'): Promise<string> => {
    web.clock.advance(INDEX_CACHE_MS);
    return (await fetch(`${web.url}/?lang=${lang}`)).text();
  };
  const section = (html: string, id: string): string =>
    /<section aria-labelledby="([^"]+)">.*?<\/section>/gs.exec(
      html.slice(html.indexOf(`<section aria-labelledby="${id}"`)),
    )?.[0] ?? '';

  it('stays small: the one with a problem first and in full, the rest one line each in closed groups', async () => {
    expect(SERVICES).toBeGreaterThan(FULL_INDEX_MAX);
    const html = await index();
    expect(Buffer.byteLength(html)).toBeLessThan(300 * 1024);
    expect(html).toContain('<p class="overview">1,000 services, 1 with a problem.</p>');
    const attention = section(html, 'attention-h');
    expect(attention).toContain('<h2 id="attention-h">Services with a problem</h2>');
    expect(attention).toMatch(/Service 5<\/a>\s*<span class="badge s-down">down<\/span>/);
    expect(html.match(/<ol class="bar"/g)).toHaveLength(1); // only the service with a problem has a bar
    expect(attention).toContain('<ol class="bar"');

    const rest = section(html, 'services-h');
    expect(rest).toContain('<h2 id="services-h">Other services</h2>');
    const groups = [...rest.matchAll(/<details class="group">(.*?)<\/details>/gs)].map((m) => m[1] ?? '');
    const summaries = groups.map((g) => /<summary>(.*?)<\/summary>/.exec(g)?.[1]);
    // The groups in the order the list meets them (s5 of g5 is above), those in no group last; 999 up.
    expect(summaries).toEqual([
      '<h3>g1</h3> <span class="count">96 services: 96 up</span>',
      '<h3>g2</h3> <span class="count">95 services: 95 up</span>',
      '<h3>g4</h3> <span class="count">96 services: 96 up</span>',
      '<h3>g0</h3> <span class="count">95 services: 95 up</span>',
      '<h3>g3</h3> <span class="count">95 services: 95 up</span>',
      '<h3>g6</h3> <span class="count">94 services: 94 up</span>',
      '<h3>g5</h3> <span class="count">94 services: 94 up</span>',
      '<h3>Not in a group</h3> <span class="count">334 services: 334 up</span>',
    ]);
    // Every service links to its own page once, in its language: 999 here, the one above.
    const links = [
      ...rest.matchAll(
        /<li><a href="\/services\/(s\d+)\?lang=en">Service \d+<\/a> <span class="badge s-up">up<\/span><\/li>/g,
      ),
    ];
    expect(new Set(links.map((l) => l[1])).size).toBe(SERVICES - 1);
    expect(links.map((l) => l[1])).not.toContain('s5');
  });

  it('speaks every language in the collapsed groups, digits included', async () => {
    const bn = section(await index('bn'), 'services-h');
    expect(bn).toContain('<h2 id="services-h">অন্য সার্ভিস</h2>');
    expect(bn).toContain('<h3>কোনো গ্রুপে নেই</h3> <span class="count">৩৩৪টি সার্ভিস: ৩৩৪ চালু</span>');
    expect(bn).toContain('href="/services/s0?lang=bn"');
    const hi = section(await index('hi'), 'services-h');
    expect(hi).toContain('<h3>किसी समूह में नहीं</h3> <span class="count">३३४ सेवाएँ: ३३४ चालू</span>');
  });

  it('rebuilds the groups when a state in them changes, and moves a recovered service back into its group', async () => {
    const [s5, s13] = [ids[5] ?? '', ids[13] ?? ''];
    web.check(s13, { status: 'down' }); // one failed check: still up, still in g6
    expect(section(await index(), 'services-h')).toContain(
      '<h3>g6</h3> <span class="count">94 services: 94 up</span>',
    );
    for (let i = 0; i < 2; i++) {
      web.clock.advance(MINUTE);
      web.check(s13, { status: 'down' });
      web.check(s5, { status: 'up' });
    }
    const html = await index();
    expect(html).toContain('<p class="overview">1,000 services, 1 with a problem.</p>');
    expect(section(html, 'attention-h')).toMatch(/Service 13<\/a>\s*<span class="badge s-down">down/);
    const rest = section(html, 'services-h');
    expect(rest).toContain('<h3>g6</h3> <span class="count">93 services: 93 up</span>');
    expect(rest).toContain('<h3>g5</h3> <span class="count">95 services: 95 up</span>');
    expect(rest).toContain('<a href="/services/s5?lang=en">Service 5</a> <span class="badge s-up">up</span>');
  });

  it('rebuilds the groups when their services change state and stay in them (up to unknown while blind)', async () => {
    const control = web.services.monitors.find((m) => m.serviceId === null)?.id ?? '';
    web.clock.advance(MINUTE);
    web.check(control, { status: 'down' });
    web.check(ids[0] ?? '', { status: 'down' });
    web.check(ids[0] ?? '', { status: 'down' });
    const html = await index();
    expect(html).toContain('class="blind"');
    const rest = section(html, 'services-h');
    expect(rest).toContain('<h3>g1</h3> <span class="count">96 services: 96 unknown</span>');
    expect(rest).toContain(
      '<a href="/services/s1?lang=en">Service 1</a> <span class="badge s-unknown">unknown</span>',
    );
    web.clock.advance(MINUTE);
    web.check(control, { status: 'up' });
    web.check(ids[0] ?? '', { status: 'up' });
    expect(section(await index(), 'services-h')).toContain(
      '<h3>g1</h3> <span class="count">96 services: 96 up</span>',
    );
  });

  it('renders once for requests that arrive while it renders', async () => {
    const page = new StatusPage(web.view, web.history, web.clock);
    const list = vi.spyOn(web.view, 'listServices');
    const pages = await Promise.all([page.index('en'), page.index('en'), page.index('en')]);
    expect(list).toHaveBeenCalledTimes(1);
    expect(new Set(pages).size).toBe(1);
    list.mockRestore();
  });
});

describe('GET /api/services', () => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  it('serves the documented shape, rebuilt once SERVICE_LIST_CACHE_MS has passed', async () => {
    web = await startWebHarness();
    const [wa] = web.services.monitors.map((m) => m.id) as [string];
    const body = async () => serviceListSchema.parse(await (await fetch(`${web.url}/api/services`)).json());
    const list = async () => (await body()).services;
    expect((await body()).vantage).toEqual({ ok: true });
    web.clock.advance(SERVICE_LIST_CACHE_MS);
    web.check(wa, { status: 'down' });
    web.clock.advance(MINUTE);
    web.check(wa, { status: 'down' });
    expect((await list())[0]).toMatchObject({
      id: 'whatsapp',
      status: 'down',
      incident: { severity: 'major' },
    });
    web.check(wa, { status: 'up' });
    web.check(wa, { status: 'up' });
    expect((await list())[0]?.status).toBe('down'); // same instant: the cached list
    web.clock.advance(SERVICE_LIST_CACHE_MS);
    expect((await list())[0]).toEqual({
      id: 'whatsapp',
      name: 'WhatsApp',
      status: 'up',
      since: expect.any(String),
    });
  });

  it('shows a service in its planned maintenance window as maintenance, with until and reason; no incident until it ends', async () => {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const [from, to] = [START + 10 * MINUTE, START + 40 * MINUTE];
    web = await startWebHarness(`${SERVICES_YAML}maintenance:
  - { services: [whatsapp], start: "${iso(from)}", end: "${iso(to)}", reason: "Move <b>racks</b>" }
`);
    const wa = web.services.services.find((s) => s.id === 'whatsapp')?.monitorIds[0] ?? '';
    const list = async () =>
      serviceListSchema.parse(await (await fetch(`${web.url}/api/services`)).json()).services;
    web.check(wa, { status: 'up' });
    web.check(wa, { status: 'up' });
    expect((await list())[0]).toMatchObject({ id: 'whatsapp', status: 'up' });
    expect((await list())[0]?.maintenance).toBeUndefined();

    web.clock.set(from); // the app's tick applies the window as it starts
    web.engine.checkMaintenance();
    for (let at = from + MINUTE; at < to; at += MINUTE) {
      web.clock.set(at);
      web.check(wa, { status: 'down' });
    }
    const maintenance = { since: iso(from), until: iso(to), reason: 'Move <b>racks</b>' };
    expect((await list())[0]).toEqual({
      id: 'whatsapp',
      name: 'WhatsApp',
      status: 'maintenance',
      since: iso(from),
      maintenance,
    });
    expect((await list())[1]?.maintenance).toBeUndefined();
    const detail = serviceDetailSchema.parse(await (await fetch(`${web.url}/api/services/whatsapp`)).json());
    expect(detail).toMatchObject({ status: 'maintenance', maintenance });
    expect(detail.incident).toBeUndefined();
    const html = await (await fetch(`${web.url}/`)).text();
    expect(html).toMatch(/WhatsApp<\/a>\s*<span class="badge s-maintenance">in maintenance<\/span>/);
    expect(html).toContain('planned, until');
    expect(html).toContain('Move &lt;b&gt;racks&lt;/b&gt;');
    expect(html).not.toContain('<b>racks');
    expect(await (await fetch(`${web.url}/services/whatsapp?lang=bn`)).text()).toContain('পরিকল্পিত, চলবে');

    web.clock.set(to); // still failing when the window ends: down, and alerted now
    web.engine.checkMaintenance();
    web.clock.advance(SERVICE_LIST_CACHE_MS);
    expect((await list())[0]).toMatchObject({
      status: 'down',
      since: iso(to),
      incident: { severity: 'major' },
    });
    expect((await list())[0]?.maintenance).toBeUndefined();
  });

  it('says when our own network looks broken: vantage not ok, a service last seen up is unknown with the reason; the page says so', async () => {
    web = await startWebHarness(CONTROL_SERVICES_YAML);
    const wa = web.services.services.find((s) => s.id === 'whatsapp')?.monitorIds[0] ?? '';
    const control = web.services.monitors.find((m) => m.serviceId === null)?.id ?? '';
    const body = async () => serviceListSchema.parse(await (await fetch(`${web.url}/api/services`)).json());
    const page = async (lang = 'en') => (await fetch(`${web.url}/?lang=${lang}`)).text();
    web.check(control, { status: 'up' });
    web.check(wa, { status: 'up' });
    web.check(wa, { status: 'up' });
    expect((await body()).services[0]).toMatchObject({ id: 'whatsapp', status: 'up' });
    expect(await page()).not.toContain('class="blind"');

    web.clock.advance(2 * MINUTE);
    web.check(control, { status: 'down' });
    web.check(wa, { status: 'down' });
    web.check(wa, { status: 'down' });
    expect(web.engine.serviceState('whatsapp')?.status).toBe('up'); // the engine discounts the failures
    const reason = 'own network looks broken: 1/1 control targets failing';
    const since = new Date(web.clock.now()).toISOString();
    const blind = await body();
    expect(blind.vantage).toEqual({ ok: false, reason, since });
    expect(blind.services[0]).toEqual({ id: 'whatsapp', name: 'WhatsApp', status: 'unknown', since, reason });
    const detail = serviceDetailSchema.parse(await (await fetch(`${web.url}/api/services/whatsapp`)).json());
    expect(detail).toMatchObject({ status: 'unknown', reason });
    // The services file fixes confirm.down, so the count is the operator's, not learned.
    expect(detail.monitors[0]?.confirmDown).toMatchObject({ needed: 2, learned: false, budgetMet: true });
    expect(await page()).toContain('The monitor&#39;s own network has a problem; statuses are not current.');
    expect(await page('bn')).toContain('মনিটরের নিজের নেটওয়ার্কে সমস্যা হয়েছে; অবস্থাগুলো এখনকার নয়।');

    web.clock.advance(MINUTE);
    web.check(control, { status: 'up' });
    web.check(wa, { status: 'up' });
    const clear = await body();
    expect(clear.vantage).toEqual({ ok: true });
    expect(clear.services[0]).toMatchObject({ id: 'whatsapp', status: 'up' });
    expect(clear.services[0]?.reason).toBeUndefined();
    expect(await page()).not.toContain('class="blind"');
  });
});
