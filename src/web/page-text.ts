import { type Locale, formatDuration, formatNumber, formatPercent } from '../core/i18n/index.js';

/**
 * The status page's own words, per language. Chat wording lives in `core/i18n`; these are the
 * page's headings and labels. Numbers go through `core/i18n` formatters, so Bengali gets ০-৯.
 */
export interface PageText {
  readonly title: string;
  readonly skipToContent: string;
  /** Shown while the vantage guard says our own network looks broken. */
  readonly blindBanner: string;
  /** The badge of a service whose monitor keeps going down and coming back (flapping). */
  readonly unstable: string;
  readonly ongoing: string;
  readonly noOngoing: string;
  readonly services: string;
  readonly recentResolved: string;
  readonly noResolved: string;
  readonly since: string;
  readonly started: string;
  readonly resolvedAfter: (durationMs: number) => string;
  readonly lastingFor: (durationMs: number) => string;
  readonly barLabel: (days: number) => string;
  readonly dayTitle: (p: { date: string; uptime: number | null; incidents: number; state: string }) => string;
  readonly chartTitle: string;
  readonly chartDesc: (p: { checks: number; failures: number; reports: number }) => string;
  readonly incidentHistory: string;
  readonly noIncidents: string;
  readonly monitors: string;
  readonly lastCheck: string;
  readonly never: string;
  readonly notFound: string;
  readonly notFoundBody: string;
  readonly backToAll: string;
  readonly severity: Readonly<Record<'minor' | 'major', string>>;
  readonly language: string;
  readonly latencyAxis: string;
  readonly failuresLegend: string;
  readonly reportsLegend: string;
}

const en: PageText = {
  title: 'Service status',
  skipToContent: 'Skip to content',
  blindBanner: "The monitor's own network has a problem; statuses are not current.",
  unstable: 'unstable',
  ongoing: 'Ongoing incidents',
  noOngoing: 'No ongoing incidents.',
  services: 'Services',
  recentResolved: 'Recently resolved',
  noResolved: 'Nothing resolved recently.',
  since: 'since',
  started: 'started',
  resolvedAfter: (ms) => `resolved after ${formatDuration('en', ms)}`,
  lastingFor: (ms) => `ongoing for ${formatDuration('en', ms)}`,
  barLabel: (days) => `Availability over the last ${days} days`,
  dayTitle: ({ date, uptime, incidents, state }) =>
    `${date}: ${uptime === null ? 'no checks' : `${formatPercent('en', uptime)} uptime`}, ` +
    `${incidents === 1 ? '1 incident' : `${incidents} incidents`} (${state})`,
  chartTitle: 'Response time, last 24 hours',
  chartDesc: ({ checks, failures, reports }) =>
    `${checks} checks, ${failures} failed, ${reports} user reports in the last 24 hours`,
  incidentHistory: 'Incident history',
  noIncidents: 'No incidents recorded.',
  monitors: 'Monitors',
  lastCheck: 'last check',
  never: 'not checked yet',
  notFound: 'Not found',
  notFoundBody: 'There is no service with this id.',
  backToAll: 'All services',
  severity: { minor: 'minor', major: 'major' },
  language: 'Language',
  latencyAxis: 'ms',
  failuresLegend: 'failed checks',
  reportsLegend: 'user reports',
};

const bn: PageText = {
  title: 'সার্ভিসের অবস্থা',
  skipToContent: 'মূল অংশে যান',
  blindBanner: 'মনিটরের নিজের নেটওয়ার্কে সমস্যা হয়েছে; অবস্থাগুলো এখনকার নয়।',
  unstable: 'অস্থির',
  ongoing: 'চলমান সমস্যা',
  noOngoing: 'এখন কোনো সমস্যা নেই।',
  services: 'সার্ভিস',
  recentResolved: 'সম্প্রতি সমাধান হয়েছে',
  noResolved: 'সম্প্রতি কিছু সমাধান হয়নি।',
  since: 'থেকে',
  started: 'শুরু',
  resolvedAfter: (ms) => `${formatDuration('bn', ms)} পর সমাধান হয়েছে`,
  lastingFor: (ms) => `${formatDuration('bn', ms)} ধরে চলছে`,
  barLabel: (days) => `গত ${formatNumber('bn', days)} দিনের প্রাপ্যতা`,
  dayTitle: ({ date, uptime, incidents, state }) =>
    `${date}: ${uptime === null ? 'কোনো পরীক্ষা নেই' : `${formatPercent('bn', uptime)} সময় চালু`}, ` +
    `${formatNumber('bn', incidents)}টি সমস্যা (${state})`,
  chartTitle: 'সাড়া দেওয়ার সময়, গত ২৪ ঘণ্টা',
  chartDesc: ({ checks, failures, reports }) =>
    `গত ২৪ ঘণ্টায় ${formatNumber('bn', checks)}টি পরীক্ষা, ${formatNumber('bn', failures)}টি ব্যর্থ, ` +
    `${formatNumber('bn', reports)}টি ব্যবহারকারীর রিপোর্ট`,
  incidentHistory: 'সমস্যার ইতিহাস',
  noIncidents: 'কোনো সমস্যা লেখা নেই।',
  monitors: 'মনিটর',
  lastCheck: 'শেষ পরীক্ষা',
  never: 'এখনো পরীক্ষা হয়নি',
  notFound: 'পাওয়া যায়নি',
  notFoundBody: 'এই আইডির কোনো সার্ভিস নেই।',
  backToAll: 'সব সার্ভিস',
  severity: { minor: 'ছোট', major: 'বড়' },
  language: 'ভাষা',
  latencyAxis: 'মি.সে.',
  failuresLegend: 'ব্যর্থ পরীক্ষা',
  reportsLegend: 'ব্যবহারকারীর রিপোর্ট',
};

const TEXTS: Readonly<Record<Locale, PageText>> = { en, bn };

export function pageTextFor(locale: Locale): PageText {
  return TEXTS[locale];
}
