import { type Locale, formatNumber, formatTime } from '../core/i18n/index.js';
import { escapeHtml } from '../core/html.js';
import type { ChartWindow } from './service-history.js';

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 240;
const PAD = { left: 48, right: 12, top: 16, bottom: 40 } as const;
/** Height of the strip under the plot where failures and reports are drawn as bars. */
const STRIP_PX = 14;
/** Hours between x-axis labels. */
const LABEL_EVERY_MS = 6 * 3_600_000;

export interface ChartLabels {
  readonly title: string;
  readonly desc: string;
  readonly latencyAxis: string;
  readonly failuresLegend: string;
  readonly reportsLegend: string;
}

export interface ChartOptions {
  readonly locale: Locale;
  readonly timeZone: string;
  readonly labels: ChartLabels;
  /** CSS colours are used on the page (light/dark); the PNG for chats uses fixed ones. */
  readonly theme: 'page' | 'fixed';
}

const FIXED = {
  bg: '#ffffff',
  fg: '#1f2328',
  grid: '#d0d7de',
  line: '#0969da',
  fail: '#cf222e',
  report: '#9a6700',
};

/**
 * The 24-hour chart as one SVG: the median response time per window as a line, failed checks and
 * crowd reports per window as bars in a strip below. Pure; the page inlines it and
 * `renderChartPng` rasterises it for the chats. Text goes through `escapeHtml` (valid in SVG).
 */
export function renderResponseChart(windows: readonly ChartWindow[], options: ChartOptions): string {
  const { locale, labels } = options;
  const c =
    options.theme === 'fixed'
      ? FIXED
      : {
          bg: 'transparent',
          fg: 'currentColor',
          grid: 'currentColor',
          line: 'var(--accent)',
          fail: 'var(--down)',
          report: 'var(--degraded)',
        };
  const plotW = CHART_WIDTH - PAD.left - PAD.right;
  const plotH = CHART_HEIGHT - PAD.top - PAD.bottom - STRIP_PX * 2;
  const n = Math.max(1, windows.length);
  const step = plotW / n;
  const maxLatency = niceCeiling(Math.max(1, ...windows.map((w) => w.latencyMs ?? 0)));
  const y = (ms: number): number => PAD.top + plotH - (ms / maxLatency) * plotH;
  const x = (i: number): number => PAD.left + i * step + step / 2;

  const segments: string[] = [];
  let current: string[] = [];
  windows.forEach((w, i) => {
    if (w.latencyMs === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(w.latencyMs).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(' '));

  const failY = PAD.top + plotH + 4;
  const reportY = failY + STRIP_PX;
  const maxFail = Math.max(1, ...windows.map((w) => w.failures));
  const maxReports = Math.max(1, ...windows.map((w) => w.reports));
  const bar = (i: number, value: number, max: number, top: number, colour: string): string => {
    const h = Math.max(2, ((STRIP_PX - 3) * value) / max);
    return `<rect x="${(x(i) - step / 2 + 0.5).toFixed(1)}" y="${(top + STRIP_PX - 3 - h).toFixed(1)}" width="${Math.max(1, step - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`;
  };

  const grid = [0, 0.5, 1].map((f) => {
    const ms = maxLatency * f;
    return (
      `<line x1="${PAD.left}" x2="${CHART_WIDTH - PAD.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="${c.grid}" stroke-opacity="0.3"/>` +
      `<text x="${PAD.left - 6}" y="${y(ms) + 4}" text-anchor="end">${escapeHtml(formatNumber(locale, Math.round(ms)))}</text>`
    );
  });
  const ticks = windows.flatMap((w, i) =>
    w.start % LABEL_EVERY_MS === 0
      ? [
          `<text x="${x(i) - step / 2}" y="${CHART_HEIGHT - 6}" text-anchor="middle">${escapeHtml(formatTime(locale, w.start, options.timeZone))}</text>`,
        ]
      : [],
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="11" fill="${c.fg}">`,
    `<title id="chart-title">${escapeHtml(labels.title)}</title>`,
    `<desc id="chart-desc">${escapeHtml(labels.desc)}</desc>`,
    // A picture in a chat has no heading around it, so the PNG carries its title; the page has an h2.
    options.theme === 'fixed'
      ? `<rect width="100%" height="100%" fill="${c.bg}"/><text x="${PAD.left + 4}" y="11" font-weight="bold">${escapeHtml(labels.title)}</text>`
      : '',
    ...grid,
    `<text x="4" y="${PAD.top - 4}">${escapeHtml(labels.latencyAxis)}</text>`,
    ...segments.map((points) =>
      points.includes(' ')
        ? `<polyline points="${points}" fill="none" stroke="${c.line}" stroke-width="2"/>`
        : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2" fill="${c.line}"/>`,
    ),
    `<text x="${PAD.left - 6}" y="${failY + STRIP_PX - 4}" text-anchor="end" fill="${c.fail}">✕</text>`,
    ...windows.flatMap((w, i) => (w.failures > 0 ? [bar(i, w.failures, maxFail, failY, c.fail)] : [])),
    `<text x="${PAD.left - 6}" y="${reportY + STRIP_PX - 4}" text-anchor="end" fill="${c.report}">!</text>`,
    ...windows.flatMap((w, i) => (w.reports > 0 ? [bar(i, w.reports, maxReports, reportY, c.report)] : [])),
    ...ticks,
    `<g font-size="10"><rect x="${CHART_WIDTH - 230}" y="2" width="8" height="8" fill="${c.fail}"/><text x="${CHART_WIDTH - 218}" y="10">${escapeHtml(labels.failuresLegend)}</text>`,
    `<rect x="${CHART_WIDTH - 120}" y="2" width="8" height="8" fill="${c.report}"/><text x="${CHART_WIDTH - 108}" y="10">${escapeHtml(labels.reportsLegend)}</text></g>`,
    '</svg>',
  ].join('');
}

/** The smallest 1, 2 or 5 × 10^k at or above `value`, so the axis reads in round numbers. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}
