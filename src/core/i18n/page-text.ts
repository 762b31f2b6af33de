/**
 * The status page's own words: headings, labels and the few sentences with numbers. Each
 * catalogue has one (`Messages.page`); numbers go through the language's formatters, so
 * Bengali gets ০-৯ and Hindi ०-९. Plain text; the page escapes it.
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
  /** The index's first line: how many services, how many with a problem (down, degraded, maintenance, incident). */
  readonly overview: (p: { total: number; problems: number }) => string;
  /** The index's section of services with a problem, each shown in full. */
  readonly attention: string;
  /** The heading of the rest when some services have a problem. */
  readonly otherServices: string;
  /** The collapsed group of services that are in no group of the services file. */
  readonly ungrouped: string;
  /** A collapsed group's size: `12 services`. */
  readonly serviceCount: (count: number) => string;
  readonly recentResolved: string;
  readonly noResolved: string;
  readonly since: string;
  /** Before the end time of a planned maintenance window of the services file. */
  readonly plannedUntil: string;
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
  /** The service page's section on uptime and response time over 7, 30 and 90 days. */
  readonly uptimeTitle: string;
  /** A period's row heading: `Last 30 days`. */
  readonly uptimePeriod: (days: number) => string;
  readonly uptimeHeader: string;
  /** The response-time column: the p95 of the hourly p95s, named for what it is. */
  readonly p95Header: string;
  /** A period without checks. */
  readonly noData: string;
  /** Under the table: what the two figures are. */
  readonly uptimeNote: string;
  /** An ongoing incident's entry in the Atom feed: `WhatsApp: down since Mar 19, 5:15 PM UTC`. */
  readonly feedOngoing: (p: { serviceName: string; state: string; date: string }) => string;
  /** A resolved incident's entry in the Atom feed: `WhatsApp: resolved after 55 minutes`. */
  readonly feedResolved: (p: { serviceName: string; durationMs: number }) => string;
}
