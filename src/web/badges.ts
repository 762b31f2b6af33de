import { makeBadge } from 'badge-maker';
import { formatUptime } from '../core/i18n/index.js';
import type { State } from '../core/model.js';
import type { StatusView } from './status-view.js';
import { xmlSafe } from './xml-text.js';

export const SVG = 'image/svg+xml; charset=utf-8';
/** How long a badge may be cached, by browsers and by the server (uptime badges read 90 days of roll-ups). */
export const BADGE_MAX_AGE_S = 60;
/** The uptime badge's period when `?days=` is not given. */
export const DEFAULT_BADGE_DAYS = 30;
/** Longest label drawn; a longer service name is cut with `…`. */
const MAX_LABEL = 60;
/** Bound on the uptime badges kept rendered (one per service and period asked). */
const MAX_CACHED = 10_000;

/** The status badge's colour for each state (badge-maker's named colours). */
export const STATE_COLOURS: Readonly<Record<State, string>> = {
  up: 'brightgreen',
  degraded: 'yellow',
  down: 'red',
  maintenance: 'blue',
  unknown: 'lightgrey',
};

/**
 * The uptime badge's colour: at least 99.9 % brightgreen, 99 % green, 98 % yellowgreen, 95 % yellow,
 * 90 % orange, below red; lightgrey without checks.
 */
export function uptimeColour(uptime: number | null): string {
  if (uptime === null) return 'lightgrey';
  if (uptime >= 0.999) return 'brightgreen';
  if (uptime >= 0.99) return 'green';
  if (uptime >= 0.98) return 'yellowgreen';
  if (uptime >= 0.95) return 'yellow';
  if (uptime >= 0.9) return 'orange';
  return 'red';
}

/** Text as badge-maker gets it: no character XML forbids, whitespace collapsed, at most `max` characters. */
function clip(text: string, max: number): string {
  const clean = xmlSafe(text).replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}

/** badge-maker escapes `<`, `>`, `&` and quotes in what it draws; `clip` removed what escaping cannot fix. */
const badge = (text: string, message: string, color: string): string =>
  makeBadge({ label: clip(text, MAX_LABEL), message, color });

export interface Badge {
  readonly code: 200 | 400 | 404;
  readonly svg: string;
}

/** A badge with its HTTP status: an error's badge says what is wrong. */
export const badgeOf = (code: Badge['code'], text: string, message: string, color: string): Badge => ({
  code,
  svg: badge(text, message, color),
});

/** The grey badge of an id that names no service the page shows. */
export const unknownServiceBadge = (): Badge => badgeOf(404, 'badge', 'unknown service', 'lightgrey');

/**
 * SVG badges for READMEs and dashboards (`GET /badge/:id/status.svg`, `/badge/:id/uptime.svg`), in
 * English like shields.io's: the service's name, then its state or its uptime over a period. Only
 * services the status page shows have badges (chat monitors only when made public).
 */
export class Badges {
  private readonly cache = new Map<string, { readonly at: number; readonly badge: Badge }>();

  constructor(private readonly view: StatusView) {}

  /** The service's state now, as `GET /api/services` says it (`unknown` while we are blind). */
  status(id: string): Badge {
    const summary = this.view.serviceSummary(id);
    if (!summary) return unknownServiceBadge();
    return { code: 200, svg: badge(summary.name, summary.status, STATE_COLOURS[summary.status]) };
  }

  /** Uptime over the last `days` days (1 to `MAX_UPTIME_DAYS`), rendered at most once a minute per service and period. */
  async uptime(id: string, days: number): Promise<Badge> {
    const def = this.view.serviceDef(id);
    if (!def) return unknownServiceBadge();
    const now = this.view.clock.now();
    const key = `${id}|${days}`;
    const cached = this.cache.get(key);
    if (cached && now >= cached.at && now - cached.at < BADGE_MAX_AGE_S * 1000) return cached.badge;
    const [period] = await this.view.uptime(def, [days]);
    const uptime = period?.uptime ?? null;
    const result: Badge = {
      code: 200,
      svg: badge(
        // The name is cut first, so a long one still says which period the figure is for.
        `${clip(def.name, MAX_LABEL - ` uptime ${days}d`.length)} uptime ${days}d`,
        uptime === null ? 'no data' : formatUptime('en', uptime),
        uptimeColour(uptime),
      ),
    };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { at: now, badge: result });
    return result;
  }
}
