import type { NamedProblemKind, ProblemKind } from '../crowd/problem-kind.js';
import type { OutcomeReason, State } from '../model.js';
import type { PageText } from './page-text.js';
import type { SsrfRefusalReason } from './ssrf-reasons.js';
import {
  formatDateTime,
  formatDigits,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
  formatTimeOfDay,
  type LocaleFormat,
} from './format.js';
import type {
  AlertChange,
  CommandArgument,
  IncidentSummary,
  Catalogue,
  MonitorLine,
  ProbeFacts,
  QuietHours,
  ServiceTarget,
  WatchFinding,
} from './messages.js';

const FORMAT: LocaleFormat = { intlLocale: 'en', dayPeriodFirst: false };

const n = (value: number): string => formatNumber(FORMAT, value);
const duration = (ms: number): string => formatDuration(FORMAT, ms);
const DAY_MS = 86_400_000;
const plural = (count: number, one: string, many: string): string =>
  `${n(count)} ${count === 1 ? one : many}`;

/** Where a subscription's alerts go, in a forum (see `subscriptions`). */
const EN_TOPIC = {
  none: '',
  here: ' — in this topic',
  general: ' — in General',
  other: ' — in another topic',
};

const STATE: Readonly<Record<State, string>> = {
  up: 'up',
  degraded: 'degraded',
  down: 'down',
  unknown: 'unknown',
  maintenance: 'in maintenance',
};

/** The live board's marks and words per state (`/board`). */
const BOARD_EMOJI: Readonly<Record<State, string>> = {
  down: '🔴',
  degraded: '🟠',
  maintenance: '🔧',
  unknown: '⚪',
  up: '✅',
};
const BOARD_STATE: Readonly<Record<State, string>> = { ...STATE, up: 'operational' };

/** `is down`, `is having problems`: the predicate of a one-service title. */
const PREDICATE: Readonly<Record<State, string>> = {
  up: 'is up',
  degraded: 'is having problems',
  down: 'is down',
  unknown: 'is in an unknown state',
  maintenance: 'is in maintenance',
};

const PROBLEM: Readonly<Record<ProblemKind, string>> = {
  connection: "can't connect",
  sending: 'messages not sending',
  login: "can't log in",
  app: 'app not working',
  website: 'website not working',
  other: 'other problems',
};

const REASON: Readonly<Record<OutcomeReason, (p: ProbeFacts) => string>> = {
  ok: () => 'OK',
  slow: () => 'slow to answer',
  timeout: (p) => (p.timeoutMs === undefined ? 'timed out' : `timed out after ${duration(p.timeoutMs)}`),
  refused: () => 'connection refused',
  reset: () => 'connection reset',
  unreachable: () => 'network unreachable',
  blocked: () => 'address not allowed (private or reserved network)',
  'dns-nxdomain': () => 'DNS: no such domain',
  'dns-servfail': () => 'DNS: server failure',
  'dns-timeout': (p) =>
    p.timeoutMs === undefined ? 'DNS: no answer' : `DNS: no answer in ${duration(p.timeoutMs)}`,
  'dns-no-records': () => 'DNS: no records',
  'dns-mismatch': () => 'DNS: unexpected answer',
  tls: () => 'secure connection failed',
  'tls-expiring': (p) =>
    p.daysLeft === undefined
      ? 'certificate expires soon'
      : `certificate expires in ${duration(p.daysLeft * DAY_MS)}`,
  'tls-expired': () => 'certificate expired',
  'http-status': (p) => (p.httpStatus === undefined ? 'unexpected HTTP status' : `HTTP ${p.httpStatus}`),
  assertion: () => 'unexpected page content',
  'too-large': () => 'response too large',
  redirects: (p) =>
    p.maxRedirects === undefined ? 'too many redirects' : `more than ${n(p.maxRedirects)} redirects`,
  protocol: () => 'not a valid response',
  'official-incident': () => 'official incident',
  'official-maintenance': () => 'official maintenance',
  'bad-payload': () => 'status page unreadable',
  'missed-heartbeat': (p) =>
    p.silentMs === undefined ? 'heartbeat missed' : `no heartbeat for ${duration(p.silentMs)}`,
  aborted: () => 'check cancelled',
  error: () => 'check failed',
};

/** `, down from 2 of 3 locations`: how many vantage points saw it down (see ProbeFacts). */
const locations = (v: ProbeFacts['vantages']): string =>
  v === undefined ? '' : `, down from ${n(v.down)} of ${plural(v.of, 'location', 'locations')}`;

const CHANGE_PREFIX: Readonly<Record<AlertChange, string>> = {
  opened: '',
  reopened: '',
  updated: 'Update: ',
};

const target = (t: ServiceTarget): string => (t.kind === 'all' ? 'all services' : t.name);
const level = (severity: 'minor' | 'major'): string =>
  severity === 'major' ? 'outages only' : 'outages and problems';
/** A reminder pace as typed in `/settings remind` (`30m`, `1h`). */
const paceToken = (minutes: number): string => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
const quiet = (q: QuietHours | null): string =>
  q === null ? 'off' : `${formatTimeOfDay(FORMAT, q.startMinute)}–${formatTimeOfDay(FORMAT, q.endMinute)}`;

function incidentLine(i: IncidentSummary, timeZone: string): string {
  const kind = i.severity === 'major' ? 'outage' : 'problems';
  const when = formatDateTime(FORMAT, i.startedAt, timeZone);
  return i.durationMs === undefined
    ? `• ${i.serviceName}: ${kind} since ${when}, ongoing`
    : `• ${i.serviceName}: ${kind} at ${when}, lasted ${duration(i.durationMs)}`;
}

const ARGUMENT: Readonly<Record<CommandArgument, string>> = {
  service: 'a service name (see /services)',
  problem: 'a short description of the problem',
  severity: 'a severity: major or minor',
  language: 'a language: its code, such as en, or its name',
  timezone: 'a time zone such as Asia/Kolkata or UTC',
  quiet: 'quiet hours such as 23:00-07:00, or off',
  role: 'a role to mention in outage alerts, or off',
  name: 'a monitor name (one word, or in quotes)',
  target: 'a target: https://example.com/ (optionally a keyword) or host:port',
  note: 'the note text',
  remind: 'a reminder pace: 30m, 1h, 2h, 4h, or off',
  threads: 'on or off',
};

const COMMAND_HELP: Readonly<Record<string, readonly [string, string]>> = {
  subscribe: ['/subscribe <service|all> [severity]', 'get alerts for a service in this chat (admins)'],
  unsubscribe: ['/unsubscribe <service|all>', 'stop those alerts (admins)'],
  subscriptions: ['/subscriptions', 'what this chat gets alerts for'],
  status: ['/status [service]', 'all services at a glance, or one in detail'],
  incidents: ['/incidents [service]', 'recent and ongoing incidents'],
  report: ['/report <service> [problem]', 'tell us a service is not working for you'],
  services: ['/services [search]', 'the services we watch'],
  settings: [
    '/settings [language] [timezone] [quiet] [remind]',
    'language, time zone, quiet hours and still-down reminders of this chat (admins)',
  ],
  monitorAdd: [
    '/monitor add <name> <target> [every]',
    'watch your own site or server (the name is one word); alerts come here (admins)',
  ],
  monitorRemove: [
    '/monitor remove <name> | /monitor list',
    'stop watching it; what this community watches (admins)',
  ],
  help: ['/help', 'this help'],
  start: ['/start', 'the same as /help'],
  silence: [
    '/silence <service|all> <duration> | /silence off [service]',
    "keep one service's alerts, or all, from this chat for 10m to 7d, e.g. /silence github 2h; /silence alone lists (admins)",
  ],
  watch: ['/watch <url> [components]', 'follow an official status page here (admins)'],
  note: [
    '/note <service> [identified|monitoring|resolved] <text>',
    'add a note to the service’s incident (operators; admins for their own monitors)',
  ],
  board: [
    '/board | /board off',
    'post a live status board here, edited as states change; off stops it (admins)',
  ],
  maintenance: [
    '/maintenance <monitor> <start> <duration> | /maintenance cancel <monitor> | /maintenance list',
    'no alerts for one of your monitors during planned work, e.g. /maintenance shop 23:00 2h; start is now, HH:MM or YYYY-MM-DD HH:MM in this chat’s time zone (admins)',
  ],
};

/** What `/watch` found instead of a status feed. */
const WATCH_FINDING = (found: WatchFinding): string => {
  switch (found.kind) {
    case 'html':
      return 'an HTML page (the page people read, not its feed)';
    case 'unknown-json':
      return 'JSON of no status format I know';
    case 'other-xml':
      return 'XML that is neither RSS nor Atom';
    case 'empty':
      return 'an empty answer';
    case 'other':
      return 'neither JSON, RSS nor Atom';
    case 'unreadable':
      return 'a feed whose content I could not read';
    case 'unreachable':
      return 'no answer (the address did not respond in time, or redirected where I may not go)';
    case 'http-status':
      return `an HTTP ${found.status} error`;
  }
};

const MONITOR_USAGE = [
  'Watch your own service (admins):',
  '/monitor add <name> <target> [every] — e.g. /monitor add shop https://shop.example.com/ 5m',
  '/monitor remove <name>',
  '/monitor list',
  'The name is one word (or in quotes). The target is an http(s) URL, optionally followed by a word the page must contain, or host:port for a TCP check. "every" is 60s, 5m, 1h…',
].join('\n');

const monitorLine = (m: MonitorLine): string => `• ${m.name}: ${m.target} (every ${duration(m.intervalMs)})`;

const SSRF: Readonly<Record<SsrfRefusalReason, string>> = {
  'malformed-target': 'This is not a target I understand. Use https://example.com/ or host:port.',
  'unsupported-scheme': 'Only http://, https:// and host:port (TCP) targets can be watched.',
  'credentials-in-url': 'Targets with a user name or password in the URL are not accepted.',
  'internal-name': 'This name points inside a private network, so it cannot be watched.',
  'cloud-metadata': 'This is a cloud metadata address, which is never watched.',
  loopback: 'This address is the bot’s own machine (loopback), so it cannot be watched.',
  private: 'This address is in a private network (RFC 1918), so it cannot be watched.',
  cgnat: 'This address is in the carrier-grade NAT range (100.64.0.0/10), so it cannot be watched.',
  'link-local': 'This is a link-local address, so it cannot be watched.',
  multicast: 'This is a multicast address, so it cannot be watched.',
  broadcast: 'This is a broadcast address, so it cannot be watched.',
  unspecified: 'This is an unspecified address (0.0.0.0 or ::), so it cannot be watched.',
  reserved: 'This address is reserved (documentation, benchmarking or future use), so it cannot be watched.',
  'unique-local': 'This is a private IPv6 address (unique local), so it cannot be watched.',
  'site-local': 'This is a site-local IPv6 address, so it cannot be watched.',
  'ipv6-transition':
    'This IPv6 address wraps an IPv4 address (mapped, 6to4, Teredo or NAT64); use the plain address.',
  'dns-failed': 'The name could not be resolved.',
  'no-address': 'The name has no address.',
};

const COMMAND_MENU: Readonly<Record<string, string>> = {
  start: 'Start: what this bot does',
  help: 'How to use this bot',
  subscribe: 'Get alerts for a service (or all) here — admins',
  unsubscribe: 'Stop alerts for a service (or all) — admins',
  subscriptions: 'What this chat gets alerts for',
  status: 'One service in detail, or an overview of all',
  incidents: 'Recent and ongoing incidents',
  report: 'Report a problem you have with a service',
  services: 'The services being watched',
  settings: 'Language, time zone, quiet hours, reminders — admins',
  monitor: 'Watch your own website or server: add, remove, list — admins',
  silence: 'Silence alerts here for a while, end it, list it — admins',
  watch: 'Follow an official status page here — admins',
  note: 'Add a note to an incident — operators and monitor owners',
  board: 'A live status board here, kept up to date — admins',
  maintenance: 'Plan maintenance of your own monitors, cancel, list — admins',
};

const PAGE: PageText = {
  title: 'Service status',
  skipToContent: 'Skip to content',
  blindBanner: "The monitor's own network has a problem; statuses are not current.",
  unstable: 'unstable',
  ongoing: 'Ongoing incidents',
  noOngoing: 'No ongoing incidents.',
  services: 'Services',
  overview: ({ total, problems }) =>
    `${total === 1 ? '1 service' : `${formatNumber(FORMAT, total)} services`}, ` +
    `${problems === 0 ? 'none' : formatNumber(FORMAT, problems)} with a problem.`,
  attention: 'Services with a problem',
  otherServices: 'Other services',
  ungrouped: 'Not in a group',
  serviceCount: (count) => (count === 1 ? '1 service' : `${formatNumber(FORMAT, count)} services`),
  recentResolved: 'Recently resolved',
  noResolved: 'Nothing resolved recently.',
  since: 'since',
  plannedUntil: 'planned, until',
  started: 'started',
  resolvedAfter: (ms) => `resolved after ${formatDuration(FORMAT, ms)}`,
  lastingFor: (ms) => `ongoing for ${formatDuration(FORMAT, ms)}`,
  barLabel: (days) => `Availability over the last ${days} days`,
  dayTitle: ({ date, uptime, incidents, state }) =>
    `${date}: ${uptime === null ? 'no checks' : `${formatPercent(FORMAT, uptime)} uptime`}, ` +
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
  uptimeTitle: 'Uptime and response time',
  uptimePeriod: (days) => `Last ${days} days`,
  uptimeHeader: 'Uptime',
  p95Header: 'Response time (p95 of hourly p95s)',
  noData: 'no checks',
  uptimeNote:
    "Uptime is the share of checks that did not fail. Response time is the 95th percentile of the hourly 95th percentiles: the hourly summaries keep each hour's 95th percentile, not every check.",
  feedOngoing: ({ serviceName, state, date }) => `${serviceName}: ${state} since ${date}`,
  feedResolved: ({ serviceName, durationMs }) =>
    `${serviceName}: resolved after ${formatDuration(FORMAT, durationMs)}`,
};

/** English words, on word boundaries ("app" must not match "happy"). */
const PROBLEM_WORDS: Readonly<Record<NamedProblemKind, RegExp>> = {
  login: /\b(log ?-?in|logg?ed ?out|log ?out|sign ?-?in|signed ?out|password|otp|verification|account)/,
  sending: /\b(send|sent\b|deliver|messag|msg|texts?\b|receiv|ticks?\b|upload)/,
  website: /\b(website|web ?page|web\b|site\b|browser)/,
  connection: /(connect|\bnetwork|\boffline\b|\bserver|\binternet\b|\btim(e|ed|ing) ?out)/,
  app: /\b(apps?\b|application|crash|freez|froze|feed\b|load|open|notification|stor(y|ies)\b)/,
};

export const en: Catalogue<'en'> = {
  locale: 'en',
  languageName: 'English',
  languageAliases: ['english', 'eng', 'ইংরেজি', 'अंग्रेज़ी', 'अंग्रेजी'],
  hints: ['en'],
  offWords: ['off', 'none', 'no', 'disable', 'disabled'],
  format: FORMAT,
  state: STATE,
  alert: {
    title: ({ change, serviceName, state }) =>
      `${CHANGE_PREFIX[change]}${serviceName} ${PREDICATE[state]}${change === 'reopened' ? ' again' : ''}`,
    unstable: ({ change, serviceName }) =>
      `${CHANGE_PREFIX[change]}${serviceName} is unstable${change === 'reopened' ? ' again' : ''}: it keeps going down and coming back`,
    recovered: ({ serviceName, durationMs }) => `${serviceName} is back up after ${duration(durationMs)}`,
    threadName: ({ serviceName, startedAt, timeZone }) =>
      `${serviceName} outage — ${formatDateTime(FORMAT, startedAt, timeZone)}`,
    stillDown: ({ serviceName, durationMs }) =>
      `Reminder: ${serviceName} is still down, for ${duration(durationMs)} so far`,
    unconfirmed: ({ serviceName, durationMs }) =>
      `${serviceName}: the problem is no longer confirmed (after ${duration(durationMs)}); our checks give no verdict`,
    groupTitle: ({ groupName, serviceNames, state, otherCount, unstable }) =>
      (groupName === null
        ? `${plural(serviceNames.length, 'service', 'services')} ${unstable === true ? 'unstable' : STATE[state]}: ${serviceNames.join(', ')}`
        : `${groupName} services: ${serviceNames.join(', ')} ${unstable === true ? 'unstable' : STATE[state]}`) +
      (otherCount === 0 ? '' : `; ${plural(otherCount, 'other service', 'other services')} affected`),
    groupRecovered: ({ groupName, serviceNames, durationMs }) =>
      `${groupName === null ? 'Back up' : `${groupName} services back up`}: ${serviceNames.join(', ')} (after ${duration(durationMs)})`,
    peakedDown: ({ serviceNames }) =>
      serviceNames.length === 0
        ? `At its worst: ${STATE.down}`
        : `${STATE.down.charAt(0).toUpperCase()}${STATE.down.slice(1)} at their worst: ${serviceNames.join(', ')}`,
    serviceState: ({ serviceName, state }) => `${serviceName}: ${STATE[state]}`,
    serviceEvidence: ({ serviceName, line }) => `${serviceName} — ${line}`,
    since: ({ at, timeZone }) => `Started ${formatDateTime(FORMAT, at, timeZone)}`,
    sinceLabel: 'Started',
    durationLabel: 'Duration',
    duration: ({ durationMs }) => duration(durationMs),
    moreLines: ({ count }) => `… and ${n(count)} more`,
    footer: ({ incidentIds }) =>
      `${incidentIds.length === 1 ? 'Incident' : 'Incidents'} ${incidentIds.map((id) => `#${formatDigits(FORMAT, id)}`).join(', ')}`,
    statusPageLink: 'Status page',
    note: ({ mark, text }) => (mark === null ? `Note: ${text}` : `Note (${mark}): ${text}`),
  },
  evidence: {
    probe: (p) =>
      `${p.target}: ${REASON[p.reason](p)}${p.detail === undefined ? '' : ` (${p.detail})`}${locations(p.vantages)}`,
    reason: (p) => REASON[p.reason](p),
    official: ({ serviceName, line }) => `${serviceName} says: ${line}`,
    unstable: ({ target, changes, windowMs }) =>
      `${target}: unstable, changed state ${plural(changes, 'time', 'times')} in ${duration(windowMs)}`,
    crowdReports: ({ level, reporters }) =>
      level === 'detected'
        ? `Many users report problems: ${plural(reporters, 'report', 'reports')}`
        : `${plural(reporters, 'user report', 'user reports')}, more than usual`,
    crowdTopProblem: ({ kind, share }) => `${formatPercent(FORMAT, share)} of reports: ${PROBLEM[kind]}`,
    problemKind: (kind) => PROBLEM[kind],
  },
  buttons: {
    report: "I'm affected too",
    mute: ({ durationMs }) => `Mute ${duration(durationMs)}`,
  },
  commands: {
    help: ({ withStart }) =>
      [
        'I watch online services and post here when one goes down or comes back. Commands:',
        ...Object.entries(COMMAND_HELP)
          .filter(([key]) => key !== 'start' || withStart)
          .map(([, [command, what]]) => `${command} — ${what}`),
        'Severity: "major" for outages only, "minor" for problems too.',
      ].join('\n'),
    subscribed: ({ target: t, severity }) =>
      `This chat now gets alerts for ${target(t)} (${level(severity)}).`,
    unsubscribed: ({ target: t }) => `This chat no longer gets alerts for ${target(t)}.`,
    notSubscribed: ({ target: t }) => `This chat was not subscribed to ${target(t)}.`,
    subscriptions: ({ items }) =>
      items.length === 0
        ? 'This chat gets no alerts yet. An admin can use /subscribe <service|all>.'
        : [
            'This chat gets alerts for:',
            ...items.map((i) => `• ${target(i.target)} (${level(i.severity)})${EN_TOPIC[i.topic ?? 'none']}`),
          ].join('\n'),
    statusOverview: ({ services, timeZone }) =>
      services.length === 0
        ? 'No services are being watched.'
        : services
            .map((s) =>
              s.state === 'up'
                ? `• ${s.name}: ${STATE[s.state]}`
                : `• ${s.name}: ${STATE[s.state]} since ${formatDateTime(FORMAT, s.since, timeZone)}`,
            )
            .join('\n'),
    statusDetail: ({ service, evidence, timeZone }) =>
      [
        `${service.name}: ${STATE[service.state]} since ${formatDateTime(FORMAT, service.since, timeZone)}`,
        ...evidence.map((line) => `• ${line}`),
      ].join('\n'),
    incidents: ({ incidents, timeZone }) =>
      incidents.length === 0
        ? 'No recent incidents.'
        : ['Recent incidents:', ...incidents.map((i) => incidentLine(i, timeZone))].join('\n'),
    reportAcknowledged: ({ serviceName, problem }) =>
      `Thanks, your report about ${serviceName} (${PROBLEM[problem]}) is counted.`,
    communityNotice: ({ serviceName, reporters }) =>
      `${n(reporters)} members here report problems with ${serviceName}; our probes and other communities see nothing yet. Only this chat is told; an alert goes out when other communities or our probes confirm it.`,
    alreadyReported: ({ serviceName, windowMs }) =>
      `You already reported ${serviceName} in the last ${duration(windowMs)}; one report is enough.`,
    reportNeedsPerson: ({ serviceName }) =>
      `Reports are counted per person, so a report sent anonymously or as a channel is not counted. To report ${serviceName}, send /report as yourself, or press "I'm affected too" on an alert.`,
    services: ({ services }) =>
      services.length === 0
        ? 'No services are being watched.'
        : ['Services we watch:', ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    servicesMatching: ({ given, services }) =>
      services.length === 0
        ? `No service matches "${given}". /services lists them all.`
        : [`Services matching "${given}":`, ...services.map((s) => `• ${s.name} (${s.id})`)].join('\n'),
    settings: ({ changed, languageName, timeZone, quietHours, mentionRoleId, remindMinutes, threads }) =>
      [
        changed ? 'Settings saved.' : 'Settings of this chat:',
        `Language: ${languageName}`,
        `Time zone: ${timeZone}`,
        `Quiet hours: ${quiet(quietHours)}`,
        ...(mentionRoleId === undefined ? [] : [`Role mentioned in alerts: ${mentionRoleId ?? 'none'}`]),
        `Still-down reminders: ${remindMinutes === null ? 'off' : `after ${duration(remindMinutes * 60_000)}, then twice as long each time (at most a day)`}`,
        ...(threads === undefined ? [] : [`A thread for each incident: ${threads ? 'on' : 'off'}`]),
      ].join('\n'),
    invalidLanguage: ({ given, supported }) =>
      `I don't speak "${given}" yet; choose one of: ${supported.join(', ')}.`,
    invalidTimeZone: ({ given }) => `${given} is not a time zone I know; try Asia/Kolkata or UTC.`,
    invalidQuietHours: ({ given }) => `"${given}" is not a quiet-hours range; try 23:00-07:00, or off.`,
    invalidRemindPace: ({ given, paces }) =>
      `"${given}" is not a reminder pace; choose ${paces.map(paceToken).join(', ')}, or off.`,
    unknownCommand: ({ command }) => `I don't know the command ${command}. Try /help.`,
    unknownService: ({ given, suggestions }) =>
      suggestions.length === 0
        ? `I don't know the service "${given}". /services lists them all.`
        : `I don't know the service "${given}". Did you mean ${suggestions.join(', ')}?`,
    discordOnlySetting: ({ setting }) =>
      setting === 'threads'
        ? 'Incident threads are a Discord feature. Here, alerts go to the topic where /subscribe was sent: subscribe in a forum topic to get them there.'
        : 'Outage roles are a Discord feature. Here, every alert notifies the chat unless quiet hours are set (/settings quiet).',
    missingArgument: ({ command, argument }) => `${command} needs ${ARGUMENT[argument]}.`,
    adminRequired: () => 'Only admins of this chat can do that.',
    rateLimited: ({ retryAfterMs }) => `Slow down: try again in ${duration(retryAfterMs)}.`,
    missingPermissions: ({ channel, permissions }) =>
      `I can't post alerts in ${channel}: I am missing ${permissions.join(', ')}.`,
    quietHoursSummary: ({ incidents, timeZone }) =>
      [
        `While you were in quiet hours: ${plural(incidents.length, 'incident', 'incidents')}`,
        ...incidents.map((i) => incidentLine(i, timeZone)),
      ].join('\n'),
    muted: ({ serviceName, until, timeZone }) =>
      `${serviceName} alerts are muted in this chat until ${formatTime(FORMAT, until, timeZone)}.`,
    silences: ({ allUntil, services, timeZone }) =>
      allUntil === null && services.length === 0
        ? 'This chat has no silences. /silence <service|all> <duration> sets one (admins).'
        : [
            'Silences in this chat:',
            ...(allUntil === null
              ? []
              : [`• all services until ${formatDateTime(FORMAT, allUntil, timeZone)}`]),
            ...services.map((s) => `• ${s.serviceName} until ${formatDateTime(FORMAT, s.until, timeZone)}`),
          ].join('\n'),
    silenced: ({ until, timeZone }) =>
      `Every alert in this chat is silenced until ${formatDateTime(FORMAT, until, timeZone)}. What happens meanwhile comes as one summary then; /silence off ends it sooner.`,
    silenceEnded: () => 'The silence has ended; alerts held meanwhile follow as one summary.',
    notSilenced: () => 'This chat is not silenced.',
    silenceOneService: ({ serviceName }) =>
      `Silencing only ${serviceName} is not available yet: /silence all <duration> silences every alert here, and /unsubscribe stops that service's alerts.`,
    serviceSilenced: ({ serviceName, until, timeZone }) =>
      `Nothing about ${serviceName} comes to this chat until ${formatDateTime(FORMAT, until, timeZone)}. Then an incident still open is alerted here, and one that came and went meanwhile is not; /silence off ${serviceName} ends it sooner.`,
    serviceSilenceEnded: ({ serviceName }) =>
      `The silence of ${serviceName} has ended; an incident of it still open is alerted here now.`,
    serviceNotSilenced: ({ serviceName }) => `${serviceName} is not silenced in this chat.`,
    invalidSilenceDuration: ({ given }) =>
      given === null
        ? 'Say for how long to silence: 10m to 7d, e.g. 2h or 1d.'
        : `"${given}" is not a silence length: use 10m to 7d, e.g. 2h or 1d.`,
    storageUnavailable: () =>
      "That could not be saved: the bot's storage is not writable right now. Alerts still go out; please try again later.",
    internalError: () => 'Something went wrong on our side. Please try again later.',
    noteAdded: ({ serviceName, open }) =>
      open
        ? `Note added to the ongoing ${serviceName} incident; its alerts show it.`
        : `Note added to the latest ${serviceName} incident (resolved); its alerts show it.`,
    noteNoIncident: ({ serviceName }) =>
      `${serviceName} has no ongoing incident and none in the last day: nothing to note.`,
    noteNotAllowed: () =>
      'Only the bot’s operators can note this incident (community admins can note their own monitors’ incidents).',
    noteTooLong: ({ max }) => `A note can be at most ${n(max)} characters.`,
    maintenanceUsage: () =>
      [
        'Plan maintenance of your own monitors (admins):',
        '/maintenance <monitor> <start> <duration> — e.g. /maintenance shop 23:00 2h',
        '/maintenance cancel <monitor>',
        '/maintenance list',
        'Start: now, HH:MM or YYYY-MM-DD HH:MM in this chat’s time zone; duration 5m to 7d.',
      ].join('\n'),
    maintenanceSet: ({ name, start, end, timeZone }) =>
      `Maintenance of ${name} from ${formatDateTime(FORMAT, start, timeZone)} to ${formatDateTime(FORMAT, end, timeZone)}: no alerts meanwhile. What still fails when it ends is alerted then; /maintenance cancel ${name} ends it sooner.`,
    maintenanceList: ({ windows, now, timeZone }) =>
      windows.length === 0
        ? 'No maintenance planned. /maintenance <monitor> <start> <duration> plans one (admins).'
        : [
            'Maintenance:',
            ...windows.map(
              (w) =>
                `• ${w.name}: ${formatDateTime(FORMAT, w.start, timeZone)} – ${formatDateTime(FORMAT, w.end, timeZone)}${w.start <= now ? ' (running)' : ''}`,
            ),
          ].join('\n'),
    maintenanceCancelled: ({ name }) =>
      `The maintenance of ${name} is cancelled; if it still fails, that is alerted now.`,
    maintenanceNone: ({ name }) => `${name} has no maintenance planned.`,
    maintenanceUnknownMonitor: ({ given, known }) =>
      known.length === 0
        ? `This community has no monitor called “${given}”, nor any other yet: /monitor add adds one.`
        : `This community has no monitor called “${given}”. Its monitors: ${known.join(', ')}.`,
    maintenanceBadStart: ({ given }) =>
      given === null
        ? 'Say when it starts: now, HH:MM or YYYY-MM-DD HH:MM in this chat’s time zone.'
        : `“${given}” is not a start time: use now, HH:MM or YYYY-MM-DD HH:MM in this chat’s time zone.`,
    maintenancePastStart: ({ given }) =>
      `${given} has already passed in this chat’s time zone: give a later time, or now.`,
    maintenanceBadDuration: ({ given }) =>
      given === null
        ? 'Say how long it lasts: 5m to 7 days, e.g. 2h.'
        : `“${given}” is not a maintenance length: use 5m to 7 days, e.g. 2h.`,
  },
  monitors: {
    usage: () => MONITOR_USAGE,
    notEnabled: () => 'Custom monitors are not enabled on this bot.',
    added: ({ monitor: m }) =>
      `Added “${m.name}”: ${m.target}, checked every ${duration(m.intervalMs)}. This chat gets its alerts.`,
    refused: ({ reason }) => `This target cannot be added. ${reason}`,
    invalidName: () => 'A name may use letters, digits, spaces and - _ . (up to 40).',
    nameTaken: ({ name }) => `There is already a monitor called “${name}”.`,
    limitReached: ({ limit }) =>
      `This community can have at most ${n(limit)} monitors. Remove one first (/monitor remove).`,
    intervalTooShort: ({ minIntervalMs }) => `Checks can run at most every ${duration(minIntervalMs)}.`,
    invalidInterval: ({ given }) => `"${given}" is not an interval; try 60s, 5m or 1h.`,
    removed: ({ name }) => `Removed “${name}”.`,
    notFound: ({ name }) => `There is no monitor called “${name}”.`,
    listing: ({ monitors, limit, audit, timeZone }) =>
      [
        `Monitors (${n(monitors.length)}/${n(limit)}):`,
        ...(monitors.length === 0 ? ['None yet. Add one with /monitor add.'] : monitors.map(monitorLine)),
        ...(audit.length === 0
          ? []
          : [
              '',
              'Recent changes:',
              ...audit.map(
                (a) =>
                  `${formatDateTime(FORMAT, a.at, timeZone)}: ${a.actor} ${a.action === 'add' ? 'added' : 'removed'} “${a.name}”`,
              ),
            ]),
      ].join('\n'),
    watchUsage: () =>
      [
        'Follow an official status page here (admins):',
        '/watch <url> [components] — e.g. /watch https://www.githubstatus.com/ Git Operations, API Requests',
        'Statuspage, incident.io, Slack, Google Cloud, AWS and RSS/Atom feeds are read; components are comma-separated. Remove it with /monitor remove.',
      ].join('\n'),
    watchAdded: ({ name, url, components, intervalMs }) =>
      `Watching “${name}”: ${url}${components.length === 0 ? '' : ` (only ${components.join(', ')})`}, read every ${duration(intervalMs)}. This chat gets its alerts; /monitor remove ${name} stops it.`,
    notStatusPage: ({ found }) =>
      `That is not a status feed I can read: I found ${WATCH_FINDING(found)}. Try the page's JSON summary (a Statuspage page: https://status.example.com/api/v2/summary.json) or its feed (https://status.example.com/history.rss).`,
    unknownComponents: ({ unknown, known, more }) =>
      `This page has no component called ${unknown.map((u) => `“${u}”`).join(', ')}. It has: ${known.join(', ')}${more > 0 ? ` and ${n(more)} more` : ''}.`,
  },
  ssrf: SSRF,
  commandMenu: COMMAND_MENU,
  commandHelp: COMMAND_HELP,
  commandOptions: {
    serviceOrAll: 'A service, or "all"',
    serviceOptional: 'Leave empty for all services',
    serviceReport: 'The service that does not work for you',
    severity: 'major: outages only; minor: problems too (default)',
    severityMinor: 'minor: problems and outages',
    severityMajor: 'major: outages only',
    problem: 'What is wrong',
    language: 'Language of alerts and replies in this channel',
    timezone: 'IANA time zone, e.g. Asia/Dhaka or UTC',
    quiet: 'Quiet hours, e.g. 23:00-07:00, or off',
    role: 'A role to ping when a service has a major outage',
    remind: 'Remind while still down: 30m, 1h, 2h or 4h (then less often), or off',
    threads: 'Start a thread from each incident alert and post its updates there',
    monitorAdd: 'Watch a URL (https://…, optionally followed by a keyword) or a host:port',
    monitorName: 'A short name for /status, e.g. shop',
    monitorTarget: 'https://example.org/health (then an optional keyword) or game.example.org:25565',
    monitorEvery: 'How often to check, e.g. 5m (default: as often as allowed)',
    monitorRemove: 'Stop watching one of your monitors',
    monitorRemoveName: 'The name it was added with',
    monitorList: 'Your monitors, and who added or removed them',
    silenceSet: 'Silence alerts for a while',
    silenceDuration: 'How long: 10m to 7d, e.g. 2h or 1d',
    silenceOff: 'End the silence now',
    silenceList: 'The silences of this chat',
    watchUrl: 'The status page: its address, JSON summary or RSS/Atom feed',
    watchComponents: 'Only these components, comma-separated (default: the whole page)',
    servicesSearch: 'Part of a name, id or alias (default: list them all)',
    noteService: 'The service whose incident the note is about',
    noteMark: 'What the note says about the incident (optional)',
    noteIdentified: 'identified: the cause is known',
    noteMonitoring: 'monitoring: a fix is in, being watched',
    noteResolved: 'resolved: fixed, in the author’s word',
    noteText: 'The note, plain text (up to 500 characters)',
    boardOn: 'Post a live status board here (replaces the current one)',
    boardOff: 'Stop updating this chat’s board',
    maintenanceSet: 'Plan maintenance: no alerts meanwhile',
    maintenanceMonitor: 'One of your monitors, as /monitor list names it',
    maintenanceStart: 'now, HH:MM or YYYY-MM-DD HH:MM (this chat’s time zone)',
    maintenanceDuration: 'How long: 5m to 7d, e.g. 2h',
    maintenanceCancel: 'End or cancel a monitor’s maintenance now',
    maintenanceList: 'Planned and running maintenance',
  },
  page: PAGE,
  problemWords: PROBLEM_WORDS,
  board: {
    title: () => 'Live status',
    line: ({ name, state, since, timeZone }) =>
      since === null
        ? `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]}`
        : `${BOARD_EMOJI[state]} ${name}: ${BOARD_STATE[state]} since ${formatDateTime(FORMAT, since, timeZone)}`,
    empty: () =>
      'This chat gets no alerts yet, so the board lists nothing. An admin can use /subscribe <service|all>.',
    live: () => 'Updated as states change. /board off stops it.',
    stopped: () => 'This board is no longer updated (/board off).',
    moved: () => 'This board is no longer updated: a newer one was posted in this chat.',
    started: ({ replaced }) =>
      replaced
        ? 'A new live board is being posted here; the old one is no longer updated.'
        : 'A live board is being posted here; it is edited as the states of this chat’s services change.',
    ended: () => 'The board stays, but it is no longer updated.',
    none: () => 'This chat has no live board. /board posts one.',
  },
};
