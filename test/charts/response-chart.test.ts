import { mkdirSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createChartPngRenderer } from '../../src/charts/chart-png.js';
import { CHART_HEIGHT, CHART_WIDTH, renderResponseChart } from '../../src/charts/response-chart.js';
import { CHART_WINDOW_MS, type ChartWindow, ServiceHistory } from '../../src/charts/service-history.js';
import { SqliteHistoryStore } from '../../src/db/sqlite-history-store.js';
import { pageTextFor } from '../../src/web/page-text.js';
import { START, type WebHarness, startWebHarness } from '../web/web-harness.js';

const LABELS = {
  title: 'Response <time>',
  desc: '3 checks',
  latencyAxis: 'ms',
  failuresLegend: 'failed checks',
  reportsLegend: 'user reports',
};

function windows(spec: readonly Partial<ChartWindow>[]): ChartWindow[] {
  return spec.map((w, i) => ({
    start: START + i * CHART_WINDOW_MS,
    latencyMs: null,
    checks: 0,
    failures: 0,
    reports: 0,
    ...w,
  }));
}

/** Counts pixels of the rasterised SVG close to an RGB colour. */
function pixelsNear(svg: string, rgb: readonly [number, number, number]): number {
  const image = new Resvg(svg).render();
  const px = image.pixels;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (
      Math.abs((px[i] ?? 0) - rgb[0]) +
        Math.abs((px[i + 1] ?? 0) - rgb[1]) +
        Math.abs((px[i + 2] ?? 0) - rgb[2]) <
      30
    )
      n++;
  }
  return n;
}

const RED: [number, number, number] = [0xcf, 0x22, 0x2e];
const BLUE: [number, number, number] = [0x09, 0x69, 0xda];
const AMBER: [number, number, number] = [0x9a, 0x67, 0x00];

describe('the 24-hour chart', () => {
  it('draws a line per run of windows with latency, and failure and report bars only where there were some', () => {
    const data = windows([
      { latencyMs: 100 },
      { latencyMs: 140 },
      { failures: 2 },
      { latencyMs: 90, reports: 3 },
    ]);
    const svg = renderResponseChart(data, { locale: 'en', timeZone: 'UTC', labels: LABELS, theme: 'fixed' });
    expect(svg.match(/<polyline/g)).toHaveLength(1); // windows 0-1; window 3 alone is a dot
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg).toContain('<title id="chart-title">Response &lt;time&gt;</title>');
    expect(svg).toMatch(/role="img"/);
    const without = renderResponseChart(windows([{ latencyMs: 100 }, { latencyMs: 140 }]), {
      locale: 'en',
      timeZone: 'UTC',
      labels: LABELS,
      theme: 'fixed',
    });
    expect(pixelsNear(svg, BLUE)).toBeGreaterThan(50);
    // The legend swatches are there in both; the bars add red and amber only with failures and reports.
    expect(pixelsNear(svg, RED)).toBeGreaterThan(pixelsNear(without, RED));
    expect(pixelsNear(svg, AMBER)).toBeGreaterThan(pixelsNear(without, AMBER));
  });

  it('labels the axes in Bengali digits for Bengali', () => {
    const data = windows(Array.from({ length: 96 }, (_, i) => ({ latencyMs: 100 + i })));
    const svg = renderResponseChart(data, { locale: 'bn', timeZone: 'UTC', labels: LABELS, theme: 'fixed' });
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    expect(texts).toContain('২০০');
    expect(texts.filter((t) => /[০-৯]/.test(t)).length).toBeGreaterThan(3);
    expect(texts.join(' ')).not.toMatch(/[0-9]/);
  });

  it('labels the axes in Devanagari digits for Hindi', () => {
    const data = windows(Array.from({ length: 96 }, (_, i) => ({ latencyMs: 100 + i })));
    const svg = renderResponseChart(data, { locale: 'hi', timeZone: 'UTC', labels: LABELS, theme: 'fixed' });
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    expect(texts).toContain('२००');
    expect(texts.filter((t) => /[०-९]/.test(t)).length).toBeGreaterThan(3);
    expect(texts.join(' ')).not.toMatch(/[0-9]/);
  });
});

describe('renderChartPng', () => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  it('rasterises the service chart to a PNG twice the SVG size, and returns null for an unknown service', async () => {
    web = await startWebHarness();
    const [wa] = web.services.monitors.map((m) => m.id) as [string];
    for (let i = 0; i < 40; i++) {
      web.check(wa, i > 30 ? { status: 'down' } : { status: 'up', latencyMs: 100 + ((i * 37) % 80) });
      web.clock.advance(10 * 60_000);
    }
    const history = new ServiceHistory(new SqliteHistoryStore(web.db), web.clock);
    const render = createChartPngRenderer(web.services, history, pageTextFor);
    const png = await render('whatsapp');
    expect(png?.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png?.readUInt32BE(16)).toBe(CHART_WIDTH * 2); // IHDR width
    expect(png?.readUInt32BE(20)).toBe(CHART_HEIGHT * 2); // IHDR height
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/chart-whatsapp.png', png ?? Buffer.alloc(0));
    expect(await render('nope')).toBeNull();
  });
});
