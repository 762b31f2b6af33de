import { mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BAR_DAYS } from '../../src/charts/service-history.js';
import { type WebHarness, startWebHarness } from './web-harness.js';

const ARTIFACTS = 'test-artifacts';
const MINUTE = 60_000;

/** Debian's chromium package; the test starts it itself (no browser download). */
async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

describe('status page in a real browser', () => {
  let browser: Browser;
  let web: WebHarness;

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());
  afterEach(async () => web?.close());

  async function withDownService(): Promise<WebHarness> {
    web = await startWebHarness();
    const [wa, gh] = web.services.monitors.map((m) => m.id) as [string, string];
    for (let i = 0; i < 4; i++) {
      web.check(wa, { status: i < 1 ? 'up' : 'down' });
      web.check(gh, { status: 'up', latencyMs: 80 + i * 20 });
      web.clock.advance(MINUTE);
    }
    return web;
  }

  it('shows the down service as down with its incident and its bar in runs of days, and no console errors', async () => {
    await withDownService();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${web.url}/`);
    expect(res?.status()).toBe(200);

    const ongoing = page.getByRole('region', { name: 'Ongoing incidents' });
    await expect.poll(() => ongoing.getByRole('listitem').first().innerText()).toMatch(/WhatsApp[\s\S]*down/);
    expect(await ongoing.innerText()).toContain('HTTP 503');
    const waRow = page.locator('li.service', { hasText: 'WhatsApp' });
    expect(await waRow.locator('.badge').innerText()).toBe('down');
    // The index draws runs of alike days: 89 days without checks, then today.
    const bar = waRow.getByRole('list', { name: `Availability over the last ${BAR_DAYS} days` });
    expect(await bar.getByRole('listitem').count()).toBe(2);
    expect(await bar.getByRole('listitem').first().getAttribute('title')).toBe(
      'Dec 20 – Mar 18: no checks, 0 incidents (unknown)',
    );
    expect(await bar.getByRole('listitem').last().getAttribute('title')).toMatch(/25% uptime, 1 incident/);
    // The injected GitHub name must render as text, never run.
    expect(await page.locator('li.service', { hasText: 'GitHub' }).locator('a').innerText()).toContain(
      '<script>alert(1)</script>',
    );
    await page.screenshot({ path: `${ARTIFACTS}/status-page-phone.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('collapses the healthy services of a large index into closed groups that open and lead on without JavaScript', async () => {
    const groups = ['cdn', 'chat', 'mail'];
    web = await startWebHarness(`defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 } }
services:
${Array.from(
  { length: 60 },
  (_, i) =>
    `  - { id: s${i}, name: Service ${i}, ${i < 45 ? `group: ${groups[i % 3]}, ` : ''}monitors: [ { type: http, url: "https://s${i}.example/" } ] }`,
).join('\n')}
`);
    const ids = web.services.monitors.map((m) => m.id);
    for (let round = 0; round < 2; round++) {
      ids.forEach((id, i) => web.check(id, { status: i === 4 ? 'down' : 'up' }));
      web.clock.advance(MINUTE);
    }
    // Without JavaScript: the index must work by markup alone.
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1000, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${web.url}/`);
    expect(await page.locator('.overview').innerText()).toBe('60 services, 1 with a problem.');
    const attention = page.getByRole('region', { name: 'Services with a problem' });
    const row = attention.getByRole('listitem').filter({ hasText: 'Service 4' }).first();
    expect(await row.locator('.badge').innerText()).toBe('down');
    expect(await row.getByRole('list', { name: `Availability over the last ${BAR_DAYS} days` }).count()).toBe(
      1,
    );

    const rest = page.getByRole('region', { name: 'Other services' });
    expect(
      await rest.getByRole('list', { name: `Availability over the last ${BAR_DAYS} days` }).count(),
    ).toBe(0);
    expect(await rest.getByRole('heading', { level: 3 }).allInnerTexts()).toEqual([
      'cdn',
      'chat',
      'mail',
      'Not in a group',
    ]);
    expect(await rest.locator('summary').allInnerTexts()).toEqual([
      'cdn 15 services: 15 up',
      'chat 14 services: 14 up',
      'mail 15 services: 15 up',
      'Not in a group 15 services: 15 up',
    ]);
    const link = rest.getByRole('link', { name: 'Service 7', exact: true });
    expect(await link.isVisible()).toBe(false); // collapsed
    await page.screenshot({ path: `${ARTIFACTS}/status-index-collapsed.png`, fullPage: true });
    await rest.locator('summary', { hasText: 'chat' }).click();
    expect(await link.isVisible()).toBe(true);
    expect(await rest.getByRole('link', { name: 'Service 6', exact: true }).isVisible()).toBe(false); // cdn stays closed
    await page.screenshot({ path: `${ARTIFACTS}/status-index-group-open.png`, fullPage: true });
    await link.click();
    await page.waitForURL(/\/services\/s7\?lang=en$/);
    // The service's own page keeps a cell per day.
    const days = page.getByRole('region', { name: `Availability over the last ${BAR_DAYS} days` });
    expect(await days.getByRole('listitem').count()).toBe(BAR_DAYS);
    expect(await days.getByRole('listitem').last().getAttribute('title')).toBe(
      'Mar 19: 100% uptime, 0 incidents (up)',
    );
    await context.close();
  });

  it('renders Bengali with Bengali digits for ?lang=bn, in dark mode too', async () => {
    await withDownService();
    const page = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${web.url}/?lang=bn`);
    expect(await page.locator('html').getAttribute('lang')).toBe('bn');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('সার্ভিসের অবস্থা');
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/[০-৯]/);
    expect(text.replace('alert(1)', '')).not.toMatch(/[0-9]/); // the injected name is the only Latin digit
    // A string expression: the test's tsconfig has no DOM types.
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(bg).toBe('rgb(13, 17, 23)');
    await page.screenshot({ path: `${ARTIFACTS}/status-page-bn-dark.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('switches a Hindi browser to Hindi: Devanagari drawn with a Devanagari font, digits in Devanagari, kept on the next page', async () => {
    await withDownService();
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      extraHTTPHeaders: { 'accept-language': 'hi-IN,hi;q=0.9' },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // English chosen on a Hindi browser, then Hindi from the page's own switch.
    await page.goto(`${web.url}/?lang=en`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: 'हिन्दी' }).click();
    await page.waitForURL(/\?lang=hi$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('hi');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('सेवाओं की स्थिति');
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/[०-९]/);
    expect(text.replace('alert(1)', '')).not.toMatch(/[0-9]/);
    // Which fonts Chromium drew the heading with: a Devanagari one, not a box for a missing glyph.
    const cdp = await context.newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    expect(fonts.map((f) => f.familyName).join(', ')).toMatch(/Devanagari/);
    await page.screenshot({ path: `${ARTIFACTS}/status-page-hi.png`, fullPage: true });
    // The service link keeps the language, whatever the browser prefers.
    await page.locator('li.service', { hasText: 'WhatsApp' }).getByRole('link').first().click();
    await page.waitForURL(/\/services\/whatsapp\?lang=hi$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('hi');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a service page with its chart as an accessible image', async () => {
    await withDownService();
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${web.url}/services/github`);
    const chart = page.getByRole('img', { name: 'Response time, last 24 hours' });
    expect(await chart.count()).toBe(1);
    expect(await page.locator('svg polyline, svg circle').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/service-page.png`, fullPage: true });
    const missing = await page.goto(`${web.url}/services/nope`);
    expect(missing?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 2 }).innerText()).toBe('Not found');
    await page.close();
  });

  it('draws both badges as images, parses the feed as XML, and shows uptime on the service page', async () => {
    await withDownService();
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${web.url}/services/github`);
    const uptime = page.getByRole('region', { name: 'Uptime and response time' });
    const rows = await uptime.getByRole('row').allInnerTexts();
    // GitHub's four checks passed in 80-140 ms, all in the current hour: its p95 is 140 ms.
    expect(rows.slice(1).map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['Last 7 days', '100.00%', '140 ms'],
      ['Last 30 days', '100.00%', '140 ms'],
      ['Last 90 days', '100.00%', '140 ms'],
    ]);

    // As a README embeds them: <img> elements, each loaded and measured (a string expression: the
    // test's tsconfig has no DOM types). The hostile GitHub name must not break its image.
    const sizes = (await page.evaluate(`Promise.all(${JSON.stringify([
      '/badge/whatsapp/status.svg',
      '/badge/github/status.svg',
      '/badge/whatsapp/uptime.svg?days=30',
      '/badge/github/uptime.svg?days=7',
    ])}.map((src) => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve([src, img.naturalWidth, img.naturalHeight]);
      img.onerror = () => resolve([src, 0, 0]);
      img.src = src;
      document.body.append(img);
    })))`)) as [string, number, number][];
    for (const [src, width, height] of sizes) {
      expect(width, src).toBeGreaterThan(0);
      expect(height, src).toBe(20);
    }
    await page.screenshot({ path: `${ARTIFACTS}/service-page-uptime.png`, fullPage: true });

    // The browser's own XML parser: a well-formed Atom feed, the incident's entry in it.
    const feed = (await page.evaluate(`fetch('/feed.atom').then((r) => r.text()).then((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI + ' ' + doc.documentElement.localName,
        titles: [...doc.getElementsByTagNameNS(ns, 'entry')].map((e) => e.getElementsByTagNameNS(ns, 'title')[0].textContent),
      };
    })`)) as { error: number; root: string; titles: string[] };
    expect(feed).toEqual({
      error: 0,
      root: 'http://www.w3.org/2005/Atom feed',
      titles: [expect.stringMatching(/^WhatsApp: down since /)],
    });
    await page.close();
  });
});
