import { createRequire } from 'node:module';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import type { Awaitable } from '../core/awaitable.js';
import type { Catalog, ServiceDef } from '../core/catalog.js';
import { LOCALES, type Locale } from '../core/i18n/index.js';
import type { ServiceHistory } from './service-history.js';
import { renderResponseChart } from './response-chart.js';

const loadCommonJs = createRequire(import.meta.url);
let resvg: typeof ResvgClass | undefined;

/**
 * resvg, loaded at the first chart instead of at start-up: the native module costs about 6 MB of
 * RSS once loaded, and many bots never render a chart (no chat tokens, or nobody asks). A CommonJS
 * `require` keeps the rasterising synchronous (only the history reads are awaited).
 */
function loadResvg(): typeof ResvgClass {
  resvg ??= (loadCommonJs('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;
  return resvg;
}

/** Chats show the picture smaller than the page; twice the SVG size keeps it sharp on phones. */
const PNG_SCALE = 2;

export interface ChartPngOptions {
  readonly locale?: Locale;
  readonly timeZone?: string;
}

/**
 * Renders a service's 24-hour chart as a PNG for the chat adapters to attach to `/status <service>`.
 * Awaited: the history it reads may come from an asynchronous store.
 */
export type RenderChartPng = (serviceId: string, options?: ChartPngOptions) => Awaitable<Buffer | null>;

/**
 * A chart's words in one language. The status page's `PageText` has them: the composition root
 * passes `pageTextFor`, so the chart in a chat reads like the one on the page.
 */
export interface ChartText {
  readonly chartTitle: string;
  readonly chartDesc: (totals: { checks: number; failures: number; reports: number }) => string;
  readonly latencyAxis: string;
  readonly failuresLegend: string;
  readonly reportsLegend: string;
}

/**
 * Builds `renderChartPng` over the check history: the same SVG as the status page, rasterised by
 * resvg with fixed colours. Resolves with null for an unknown service id. Rendering takes a few ms.
 */
export function createChartPngRenderer(
  catalog: Catalog,
  history: ServiceHistory,
  textFor: (locale: Locale) => ChartText,
): RenderChartPng {
  // Built at the first chart, like resvg: a map of every service (10,000 of them) is not kept for
  // a feature many bots never use.
  let services: ReadonlyMap<string, ServiceDef> | undefined;
  return async (serviceId, options = {}) => {
    services ??= new Map(catalog.services.map((s) => [s.id, s]));
    const service = services.get(serviceId);
    if (!service) return null;
    const locale = options.locale ?? LOCALES[0];
    const text = textFor(locale);
    const windows = await history.chartWindows(service.id, service.monitorIds);
    const svg = renderResponseChart(windows, {
      locale,
      timeZone: options.timeZone ?? 'UTC',
      theme: 'fixed',
      labels: {
        title: `${service.name}: ${text.chartTitle}`,
        desc: text.chartDesc(totals(windows)),
        latencyAxis: text.latencyAxis,
        failuresLegend: text.failuresLegend,
        reportsLegend: text.reportsLegend,
      },
    });
    const Resvg = loadResvg();
    const rendered = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      font: { loadSystemFonts: true },
    });
    return rendered.render().asPng();
  };
}

/** Checks, failures and reports summed over the chart's windows. */
export function totals(windows: readonly { checks: number; failures: number; reports: number }[]): {
  checks: number;
  failures: number;
  reports: number;
} {
  return windows.reduce(
    (t, w) => ({
      checks: t.checks + w.checks,
      failures: t.failures + w.failures,
      reports: t.reports + w.reports,
    }),
    { checks: 0, failures: 0, reports: 0 },
  );
}
