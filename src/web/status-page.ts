import { describeEvidence } from '../core/alert-message.js';
import type { Evidence } from '../core/detection/service-status.js';
import type { ServiceDef } from '../core/catalog.js';
import {
  LOCALES,
  type Locale,
  formatDateTime,
  formatDigits,
  formatNumber,
  formatUptime,
  messagesFor,
} from '../core/i18n/index.js';
import type { Clock, State } from '../core/model.js';
import { renderResponseChart } from '../charts/response-chart.js';
import { totals } from '../charts/chart-png.js';
import type { IncidentJson, ServiceDetail, ServiceSummary } from './api-schemas.js';
import { escapeHtml as esc } from '../core/html.js';
import { type PageText, pageTextFor } from './page-text.js';
import { BAR_DAYS, type DayCell, type IncidentSpan, type ServiceHistory } from '../charts/service-history.js';
import type { StatusView } from './status-view.js';
import { PAGE_STYLE } from './page-style.js';

/** Times on the page are UTC and say so; a reader's zone would need JavaScript. */
const PAGE_TIME_ZONE = 'UTC';
const RECENT_RESOLVED = 10;
/** How long a rendered index page is served again; the page says "since", so 2 s of lag is invisible. */
export const INDEX_CACHE_MS = 2000;
/** Bound on the memoised bar cells and day names (they repeat across services and renders). */
const MAX_CACHED_CELLS = 50_000;
/** Incidents looked at for the 90-day bars (all services together). */
const BAR_INCIDENTS = 1000;
/**
 * Up to this many services the index shows every one in full (state, since when, its bar), as a
 * small page always did; above, the services without a problem are collapsed into their groups.
 */
export const FULL_INDEX_MAX = 50;
/** Services with a problem, most urgent first; the rest of `State` (an incident while unknown) after. */
const URGENCY: readonly State[] = ['down', 'degraded', 'maintenance', 'unknown', 'up'];

/**
 * The server-rendered status page (docs/design.md §5): no JavaScript, every colour also said in
 * words, every untrusted string escaped. Pure rendering over the view and the history.
 */
export class StatusPage {
  private readonly indexCache = new Map<Locale, { readonly at: number; readonly html: Buffer }>();
  private readonly rendering = new Map<Locale, Promise<Buffer>>();
  private readonly groupsCache = new Map<Locale, { readonly key: string; readonly html: string }>();
  private readonly cellCache = new Map<string, string>();
  private readonly dayNames = new Map<string, string>();

  constructor(
    private readonly view: StatusView,
    private readonly history: ServiceHistory,
    private readonly clock: Clock,
  ) {}

  /** A service's probe monitors (runtime services, added from chat, have only probes). */
  private probeIdsOf(def: ServiceDef): readonly string[] {
    return this.view.probeIdsOf(def);
  }

  /**
   * `GET /` as the UTF-8 bytes sent, rendered at most once per `INDEX_CACHE_MS` per language (kept
   * as bytes: each of hundreds of requests a second would otherwise encode the page again); requests
   * arriving while it renders share that one rendering instead of each starting their own.
   */
  async index(locale: Locale): Promise<Buffer> {
    const now = this.clock.now();
    const cached = this.indexCache.get(locale);
    if (cached && now - cached.at < INDEX_CACHE_MS && now >= cached.at) return cached.html;
    const pending = this.rendering.get(locale);
    if (pending) return pending;
    const rendering = this.renderIndex(locale)
      .then((text) => {
        const html = Buffer.from(text);
        this.indexCache.set(locale, { at: now, html });
        return html;
      })
      .finally(() => this.rendering.delete(locale));
    this.rendering.set(locale, rendering);
    return rendering;
  }

  /**
   * `GET /`: ongoing incidents; the services with a problem, each in full with its bar; the rest,
   * in full too while the page is small (`FULL_INDEX_MAX`), else one line each (name and state in
   * words) in a closed `<details>` per group of the services file; recently resolved incidents.
   * Only services shown in full read their day cells: at 1,000 healthy services the page reads none.
   */
  async renderIndex(locale: Locale): Promise<string> {
    const t = pageTextFor(locale);
    const services = this.view.listServices();
    const problems = services
      .filter(hasProblem)
      .sort((a, b) => URGENCY.indexOf(a.status) - URGENCY.indexOf(b.status));
    const rest = services.filter((s) => !hasProblem(s));
    const small = services.length <= FULL_INDEX_MAX;
    const full = small ? [...problems, ...rest] : problems;
    const open = await this.view.incidents({ state: 'open', limit: BAR_INCIDENTS });
    const resolved = await this.view.incidents({ state: 'resolved', limit: RECENT_RESOLVED });
    const resolvedOfFull =
      full.length === 0
        ? []
        : await this.view.incidents({
            state: 'resolved',
            serviceIds: full.map((s) => s.id),
            limit: BAR_INCIDENTS,
          });
    const spans = groupSpans([...open, ...resolvedOfFull]);
    const fullRows = new Map<string, string>();
    // One service after the other: a page never takes more than one of the store's connections.
    for (const s of full) fullRows.set(s.id, await this.fullRow(s, spans.get(s.id) ?? [], locale, t));
    const restHtml = small
      ? `<ul class="services">${rest.map((s) => fullRows.get(s.id) ?? '').join('')}</ul>`
      : this.collapsedGroups(rest, locale, t);
    const body = `${this.blindBanner(t)}<p class="overview">${esc(t.overview({ total: services.length, problems: problems.length }))}</p>
<section aria-labelledby="ongoing-h"><h2 id="ongoing-h">${esc(t.ongoing)}</h2>
${open.length ? `<ul class="incidents">${open.map((i) => this.incident(i, locale, t)).join('')}</ul>` : `<p>${esc(t.noOngoing)}</p>`}</section>
${
  problems.length
    ? `<section aria-labelledby="attention-h"><h2 id="attention-h">${esc(t.attention)}</h2><ul class="services">${problems
        .map((s) => fullRows.get(s.id) ?? '')
        .join('')}</ul></section>\n`
    : ''
}${
      rest.length
        ? `<section aria-labelledby="services-h"><h2 id="services-h">${esc(problems.length ? t.otherServices : t.services)}</h2>${restHtml}</section>\n`
        : ''
    }<section aria-labelledby="resolved-h"><h2 id="resolved-h">${esc(t.recentResolved)}</h2>
${resolved.length ? `<ul class="incidents">${resolved.map((i) => this.incident(i, locale, t)).join('')}</ul>` : `<p>${esc(t.noResolved)}</p>`}</section>`;
    return layout(locale, t.title, '/', body);
  }

  /** A service in full: link, state in words, since when, a maintenance window, its bar in runs of days. */
  private async fullRow(
    s: ServiceSummary,
    spans: readonly IncidentSpan[],
    locale: Locale,
    t: PageText,
  ): Promise<string> {
    const def = this.view.serviceDef(s.id);
    const cells = def ? await this.history.dayCells(this.probeIdsOf(def), spans) : [];
    return `<li class="service">
  <div class="service-head"><a href="/services/${encodeURIComponent(s.id)}${langQuery(locale)}">${esc(s.name)}</a>
  ${stateBadge(s.status, locale, s.unstable ? t.unstable : undefined)} <span class="since">${esc(t.since)} <time datetime="${s.since}">${esc(this.time(locale, s.since))}</time></span>${this.planned(s, locale, t)}</div>
  ${this.runBar(cells, locale, t)}
</li>`;
  }

  /**
   * The services without a problem on a large page: a closed `<details>` per group of the services
   * file (in the file's order, those in no group last), its summary the group's size and states in
   * words; inside, one line per service. With no groups at all there is one, without a name.
   * Rebuilt only when what it shows changes (the services, their names, groups and states): at
   * 1,000 services that is most of the page, and between state changes it is the same text.
   */
  private collapsedGroups(rest: readonly ServiceSummary[], locale: Locale, t: PageText): string {
    const groups = new Map<string | null, ServiceSummary[]>();
    const key: string[] = [locale];
    for (const s of rest) {
      const group = this.view.serviceDef(s.id)?.group ?? null;
      const list = groups.get(group) ?? [];
      list.push(s);
      groups.set(group, list);
      key.push(`${s.id}\u0000${s.name}\u0000${group ?? ''}\u0000${s.status}`);
    }
    const cacheKey = key.join('\u0001');
    const cached = this.groupsCache.get(locale);
    if (cached?.key === cacheKey) return cached.html;
    const named = [...groups.keys()].filter((g) => g !== null);
    const order = groups.has(null) ? [...named, null] : named;
    const states = messagesFor(locale).state;
    const html = order
      .map((group) => {
        const list = groups.get(group) ?? [];
        const counts = new Map<State, number>();
        for (const s of list) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
        const breakdown = [...counts]
          .sort(([a], [b]) => URGENCY.indexOf(b) - URGENCY.indexOf(a))
          .map(([state, n]) => `${formatNumber(locale, n)} ${states[state]}`)
          .join(', ');
        const name = named.length === 0 ? '' : `<h3>${esc(group ?? t.ungrouped)}</h3> `;
        const items = list.map(
          (s) =>
            `<li><a href="/services/${encodeURIComponent(s.id)}${langQuery(locale)}">${esc(s.name)}</a> ${stateBadge(s.status, locale)}</li>`,
        );
        return `<details class="group"><summary>${name}<span class="count">${esc(`${t.serviceCount(list.length)}: ${breakdown}`)}</span></summary><ul class="compact">${items.join('')}</ul></details>`;
      })
      .join('\n');
    this.groupsCache.set(locale, { key: cacheKey, html });
    return html;
  }

  /** `GET /services/:id`, or null for an unknown id. */
  async renderService(id: string, locale: Locale): Promise<string | null> {
    const detail = await this.view.serviceDetail(id);
    const def = this.view.serviceDef(id);
    if (!detail || !def) return null;
    const t = pageTextFor(locale);
    const windows = await this.history.chartWindows(id, this.probeIdsOf(def));
    const cells = await this.history.dayCells(
      this.probeIdsOf(def),
      groupSpans(detail.incidents).get(id) ?? [],
    );
    const chart = renderResponseChart(windows, {
      locale,
      timeZone: PAGE_TIME_ZONE,
      theme: 'page',
      labels: {
        title: t.chartTitle,
        desc: t.chartDesc(totals(windows)),
        latencyAxis: t.latencyAxis,
        failuresLegend: t.failuresLegend,
        reportsLegend: t.reportsLegend,
      },
    });
    const body = `${this.blindBanner(t)}<p><a href="/${langQuery(locale)}">← ${esc(t.backToAll)}</a></p>
<h2>${esc(detail.name)} ${stateBadge(detail.status, locale)}</h2>
<p class="since">${esc(t.since)} <time datetime="${detail.since}">${esc(this.time(locale, detail.since))}</time>${this.planned(detail, locale, t)}</p>
${this.evidence(detail, locale)}
${this.uptime(detail, locale, t)}
<section aria-labelledby="days-h"><h2 id="days-h">${esc(t.barLabel(BAR_DAYS))}</h2>${this.bar(cells, locale, t)}</section>
<section aria-labelledby="chart-h"><h2 id="chart-h">${esc(t.chartTitle)}</h2><figure class="chart">${chart}<figcaption>${esc(t.chartDesc(totals(windows)))}</figcaption></figure></section>
<section aria-labelledby="monitors-h"><h2 id="monitors-h">${esc(t.monitors)}</h2><ul class="monitors">${detail.monitors
      .map(
        (m) =>
          `<li><code>${esc(m.type)}</code> ${esc(m.target)} ${stateBadge(m.state, locale)}<br><span class="since">${esc(t.lastCheck)}: ${
            m.lastCheck
              ? `<time datetime="${m.lastCheck.at}">${esc(this.time(locale, m.lastCheck.at))}</time> — ${esc(m.lastCheck.message || m.lastCheck.status)}${m.lastCheck.latencyMs === null ? '' : ` (${esc(formatNumber(locale, m.lastCheck.latencyMs))} ${esc(t.latencyAxis)})`}`
              : esc(t.never)
          }</span></li>`,
      )
      .join('')}</ul></section>
<section aria-labelledby="history-h"><h2 id="history-h">${esc(t.incidentHistory)}</h2>
${detail.incidents.length ? `<ul class="incidents">${detail.incidents.map((i) => this.incident(i, locale, t)).join('')}</ul>` : `<p>${esc(t.noIncidents)}</p>`}</section>`;
    return layout(locale, `${detail.name} — ${t.title}`, `/services/${encodeURIComponent(id)}`, body);
  }

  /** Uptime and response time over 7, 30 and 90 days, a row each (`detail.uptime`). */
  private uptime(detail: ServiceDetail, locale: Locale, t: PageText): string {
    if (detail.uptime.length === 0) return '';
    const rows = detail.uptime.map(
      (w) =>
        `<tr><th scope="row">${esc(t.uptimePeriod(w.days))}</th><td>${esc(
          w.uptime === null ? t.noData : formatUptime(locale, w.uptime),
        )}</td><td>${esc(
          w.p95OfHourlyP95Ms === null
            ? t.noData
            : `${formatNumber(locale, Math.round(w.p95OfHourlyP95Ms))} ${t.latencyAxis}`,
        )}</td></tr>`,
    );
    return `<section aria-labelledby="uptime-h"><h2 id="uptime-h">${esc(t.uptimeTitle)}</h2>
<table class="uptime"><thead><tr><td></td><th scope="col">${esc(t.uptimeHeader)}</th><th scope="col">${esc(t.p95Header)}</th></tr></thead>
<tbody>${rows.join('')}</tbody></table><p class="since">${esc(t.uptimeNote)}</p></section>`;
  }

  /** A planned maintenance window in progress: until when, and the operator's reason (escaped). */
  private planned(s: ServiceSummary, locale: Locale, t: PageText): string {
    const m = s.maintenance;
    if (m === undefined) return '';
    const reason = m.reason === undefined ? '' : ` — ${esc(m.reason)}`;
    return ` <span class="planned">${esc(t.plannedUntil)} <time datetime="${m.until}">${esc(this.time(locale, m.until))}</time>${reason}</span>`;
  }

  /** While our own network looks broken, no status on the page is current: it says so first. */
  private blindBanner(t: PageText): string {
    return this.view.vantage().ok ? '' : `<p class="blind" role="status">${esc(t.blindBanner)}</p>\n`;
  }

  renderNotFound(locale: Locale): string {
    const t = pageTextFor(locale);
    return layout(
      locale,
      t.notFound,
      '/',
      `<h2>${esc(t.notFound)}</h2><p>${esc(t.notFoundBody)}</p><p><a href="/${langQuery(locale)}">${esc(t.backToAll)}</a></p>`,
    );
  }

  /** The service page's bar: one cell per day, each titled with its date, uptime, incidents and state. */
  private bar(cells: readonly DayCell[], locale: Locale, t: PageText): string {
    const items = cells.map(
      (c) => `<li class="cell s-${c.state}" title="${esc(this.dayLabel(c, locale, t))}"></li>`,
    );
    return `<ol class="bar" aria-label="${esc(t.barLabel(BAR_DAYS))}">${items.join('')}</ol>`;
  }

  /**
   * The index's bar: runs of alike days (same state, checked or not, same incidents) as one cell
   * each, as wide as its days, titled with its dates, its uptime over the run and its state; a run
   * of one day has that day's title. A service up for 90 days is one cell, not 90.
   */
  private runBar(cells: readonly DayCell[], locale: Locale, t: PageText): string {
    const states = messagesFor(locale).state;
    const runs: DayCell[][] = [];
    for (const c of cells) {
      const last = runs.at(-1);
      const prev = last?.at(-1);
      if (last && prev && alike(prev, c)) last.push(c);
      else runs.push([c]);
    }
    const items = runs.map((run) => {
      const first = run[0] as DayCell;
      const end = run.at(-1) as DayCell;
      let label: string;
      if (run.length === 1) label = this.dayLabel(first, locale, t);
      else {
        const checks = run.reduce((n, c) => n + c.checks, 0);
        const failures = run.reduce((n, c) => n + c.failures, 0);
        label = t.dayTitle({
          date: `${this.dayName(locale, first.day)} – ${this.dayName(locale, end.day)}`,
          uptime: checks === 0 ? null : (checks - failures) / checks,
          incidents: first.incidentIds.length,
          state: states[first.state],
        });
      }
      // `title` is the hover/tap text and, the cell being empty, its accessible name.
      const grow = run.length === 1 ? '' : ` style="flex-grow:${run.length}"`;
      return `<li class="cell s-${first.state}"${grow} title="${esc(label)}"></li>`;
    });
    return `<ol class="bar" aria-label="${esc(t.barLabel(BAR_DAYS))}">${items.join('')}</ol>`;
  }

  /** One day's title; identical days (same date, counts and state) share one, across services and renders. */
  private dayLabel(c: DayCell, locale: Locale, t: PageText): string {
    const key = `${locale}|${c.day}|${c.checks}|${c.failures}|${c.incidentIds.length}|${c.state}`;
    let label = this.cellCache.get(key);
    if (label === undefined) {
      label = t.dayTitle({
        date: this.dayName(locale, c.day),
        uptime: c.uptime,
        incidents: c.incidentIds.length,
        state: messagesFor(locale).state[c.state],
      });
      if (this.cellCache.size > MAX_CACHED_CELLS) this.cellCache.clear();
      this.cellCache.set(key, label);
    }
    return label;
  }

  private dayName(locale: Locale, day: number): string {
    const key = `${locale}|${day}`;
    let name = this.dayNames.get(key);
    if (name === undefined) {
      name = formatDateTime(locale, day * 86_400_000, PAGE_TIME_ZONE).split(',')[0] ?? '';
      if (this.dayNames.size > MAX_CACHED_CELLS) this.dayNames.clear();
      this.dayNames.set(key, name);
    }
    return name;
  }

  private incident(i: IncidentJson, locale: Locale, t: PageText): string {
    const started = Date.parse(i.startedAt);
    const duration =
      i.durationMs === null ? t.lastingFor(this.clock.now() - started) : t.resolvedAfter(i.durationMs);
    const lines = describeEvidence(asEvidence(i.evidence), i.serviceName, messagesFor(locale));
    return `<li class="incident sev-${i.severity}"><strong><a href="/services/${encodeURIComponent(i.serviceId)}${langQuery(locale)}">${esc(i.serviceName)}</a></strong>
 ${stateBadge(i.status, locale)} <span class="severity">${esc(t.severity[i.severity])}</span> #${esc(formatDigits(locale, i.id))}<br>
 <span class="since">${esc(t.started)} <time datetime="${i.startedAt}">${esc(this.time(locale, i.startedAt))}</time> · ${esc(duration)}</span>
 ${lines.length ? `<ul class="evidence">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}${this.notes(i, locale)}</li>`;
  }

  /** The incident's `/note`s, oldest first: when, who, and the note as the alerts word it (escaped). */
  private notes(i: IncidentJson, locale: Locale): string {
    const notes = i.notes ?? [];
    if (notes.length === 0) return '';
    const m = messagesFor(locale);
    const items = notes.map(
      (n) =>
        `<li><time datetime="${esc(n.at)}">${esc(this.time(locale, n.at))}</time> <span class="author">${esc(n.author)}</span>: ${esc(m.alert.note({ mark: n.mark, text: n.text }))}</li>`,
    );
    return `<ul class="notes">${items.join('')}</ul>`;
  }

  private evidence(detail: ServiceDetail, locale: Locale): string {
    const lines = describeEvidence(asEvidence(detail.evidence), detail.name, messagesFor(locale));
    return lines.length ? `<ul class="evidence">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : '';
  }

  private time(locale: Locale, iso: string): string {
    return `${formatDateTime(locale, Date.parse(iso), PAGE_TIME_ZONE)} UTC`;
  }
}

/** The API's evidence is the engine's `Evidence` serialised; zod's optional keys differ only in `| undefined`. */
const asEvidence = (e: IncidentJson['evidence']): readonly Evidence[] => e as readonly Evidence[];

/**
 * Every link carries the page's language, the default one too: without it the next page would
 * follow the browser's `Accept-Language` again, undoing a choice made in the switch.
 */
const langQuery = (locale: Locale): string => `?lang=${locale}`;

/** Down, degraded, in maintenance (planned or reported) or with an open incident: shown first, in full. */
const hasProblem = (s: ServiceSummary): boolean =>
  s.status === 'down' ||
  s.status === 'degraded' ||
  s.status === 'maintenance' ||
  s.maintenance !== undefined ||
  s.incident !== undefined;

/** Two neighbouring days the index's bar draws as one run. */
const alike = (a: DayCell, b: DayCell): boolean =>
  a.state === b.state &&
  (a.checks === 0) === (b.checks === 0) &&
  a.incidentIds.length === b.incidentIds.length &&
  a.incidentIds.every((id, i) => id === b.incidentIds[i]);

/** `label` replaces the state's word (`unstable` for a degraded service whose monitor flaps). */
function stateBadge(state: State, locale: Locale, label?: string): string {
  return `<span class="badge s-${state}">${esc(label ?? messagesFor(locale).state[state])}</span>`;
}

function groupSpans(incidents: readonly IncidentJson[]): Map<string, IncidentSpan[]> {
  const spans = new Map<string, IncidentSpan[]>();
  for (const i of incidents) {
    const list = spans.get(i.serviceId) ?? [];
    list.push({
      id: i.id,
      severity: i.severity,
      startedAt: Date.parse(i.startedAt),
      resolvedAt: i.resolvedAt === null ? null : Date.parse(i.resolvedAt),
    });
    spans.set(i.serviceId, list);
  }
  return spans;
}

function layout(locale: Locale, title: string, path: string, body: string): string {
  const t = pageTextFor(locale);
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>${esc(title)}</title><style>${PAGE_STYLE}</style></head>
<body><a class="skip" href="#main">${esc(t.skipToContent)}</a>
<header><h1>${esc(t.title)}</h1>
<nav aria-label="${esc(t.language)}">${languageSwitch(locale, path)}</nav></header>
<main id="main">${body}</main></body></html>`;
}

/** Every language by its own name, linking to the same page in it; the current one is marked, not linked. */
function languageSwitch(current: Locale, path: string): string {
  return LOCALES.map((l) => {
    const name = esc(messagesFor(l).languageName);
    return l === current
      ? `<span aria-current="true" lang="${l}">${name}</span>`
      : `<a href="${path}?lang=${l}" hreflang="${l}" lang="${l}">${name}</a>`;
  }).join(' · ');
}
