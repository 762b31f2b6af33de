import type { CrowdLevel } from '../detection/service-status.js';
import type { NoteMark } from '../incident-notes.js';
import type { NamedProblemKind, ProblemKind } from '../crowd/problem-kind.js';
import type { OutcomeReason, Severity, State } from '../model.js';
import type { LocaleFormat } from './format.js';
import type { PageText } from './page-text.js';
import type { SsrfRefusalReason } from './ssrf-reasons.js';

/**
 * Everything the bot says, defined once. Each language is one file exporting a `Catalogue`
 * object, so the compiler refuses a language that misses an entry. Every function takes typed
 * values (names, counts, epoch milliseconds) and formats them itself: digits, durations and
 * times come out in the language's own script. Results are plain text; renderers escape them.
 * `L` is the language's code; the list of catalogues in `index.ts` derives `Locale` from it, and
 * `Messages` (exported there) is a catalogue of any of our languages.
 */
export interface Catalogue<L extends string> {
  /** The language's code: `en`, `bn`, `hi` (ISO 639-1; also what `?lang=` and `/settings` take). */
  readonly locale: L;
  /** The language's own name, for `/settings language` and the page's switch: `English`, `বাংলা`. */
  readonly languageName: string;
  /**
   * Other names `/settings language` accepts, in lower case: `bangla`, `bengali`, `বাংলা`.
   * The code and `languageName` are always accepted.
   */
  readonly languageAliases: readonly string[];
  /**
   * Primary language subtags of a platform's hint (Telegram's `language_code`, Discord's `locale`,
   * the browser's `Accept-Language`) that mean this language; usually just the code.
   */
  readonly hints: readonly string[];
  /** Words that turn a setting off (`/settings quiet off`), in lower case: `off`, `বন্ধ`. */
  readonly offWords: readonly string[];
  /** How numbers, durations and times are written: the `Intl` locale (with its digits) and clock style. */
  readonly format: LocaleFormat;
  /** A service's state as a word or short phrase: `down` / `বন্ধ`. */
  readonly state: Readonly<Record<State, string>>;
  readonly alert: AlertMessages;
  readonly evidence: EvidenceMessages;
  readonly buttons: ButtonMessages;
  readonly commands: CommandMessages;
  /** `/monitor add|remove|list`. */
  readonly monitors: MonitorMessages;
  /** Why a chat-added monitor target is refused (the SSRF guard's reasons). */
  readonly ssrf: Readonly<Record<SsrfRefusalReason, string>>;
  /**
   * The one-line description of each chat command, keyed by its name (`COMMANDS` in
   * src/core/commands/registry.ts): a platform's command menu (Telegram's `setMyCommands`) and
   * Discord's localised command descriptions. 1-100 characters each.
   */
  readonly commandMenu: Readonly<Record<string, string>>;
  /**
   * What a platform that describes each option of a command shows beside it (Discord's option
   * and sub-command descriptions, the severity choices), keyed by the `text` the commands'
   * definitions name: 1-100 characters each.
   */
  readonly commandOptions: Readonly<Record<string, string>>;
  /**
   * The lines of `/help`, in the order listed, keyed by the `help` keys the commands' definitions
   * name: how to type it and what it does. `start` is listed only where the platform has a `/start`
   * command (put it last).
   */
  readonly commandHelp: Readonly<Record<string, readonly [usage: string, what: string]>>;
  /** The status page's headings and labels. */
  readonly page: PageText;
  /**
   * How a member names each problem kind in a free-text `/report` in this language ("can't log in",
   * "মেসেজ যাচ্ছে না"), matched against the lower-cased, NFC-normalised text (`parseProblemKind`).
   */
  readonly problemWords: Readonly<Record<NamedProblemKind, RegExp>>;
  /** The live board (`/board`) and the replies of its command. */
  readonly board: BoardMessages;
}

/**
 * A chat command's name, a key of `commandMenu`: the commands are `COMMANDS` in
 * src/core/commands/registry.ts, and test/core/commands/command-registry.test.ts checks that every
 * catalogue describes each of them.
 */
export type CommandMenuName = string;
/** A key of `commandOptions`, named by the commands' definitions. */
export type CommandOptionText = string;

/** How an alert describes a change: the first alert, a relapse, or an edit of an open alert. */
export type AlertChange = 'opened' | 'reopened' | 'updated';

export interface AlertMessages {
  /** `WhatsApp is down`, `WhatsApp is down again`, `Update: WhatsApp is degraded`. */
  title(p: { readonly change: AlertChange; readonly serviceName: string; readonly state: State }): string;
  /**
   * A service whose monitor keeps going down and coming back (flapping):
   * `Update: WhatsApp is unstable: it keeps going down and coming back`.
   */
  unstable(p: { readonly change: AlertChange; readonly serviceName: string }): string;
  /** `WhatsApp is back up after 45 minutes`. */
  recovered(p: { readonly serviceName: string; readonly durationMs: number }): string;
  /**
   * A still-down reminder (`/settings remind`), a reply to the alert while the incident lasts:
   * `Reminder: WhatsApp is still down, for 2 hours 5 minutes so far` (the Telegram and Discord
   * senders render it for a job with `reminder`).
   */
  stillDown(p: { readonly serviceName: string; readonly durationMs: number }): string;
  /**
   * The name of the thread started from an incident's alert (Discord incident threads):
   * `WhatsApp outage — Mar 19, 5:15 PM`, in the chat's time zone. The sender cuts it to 100 chars.
   */
  threadName(p: {
    readonly serviceName: string;
    readonly startedAt: number;
    readonly timeZone: string;
  }): string;
  /**
   * An incident closed because nothing confirms it any more, while our checks give no verdict:
   * `WhatsApp: the problem is no longer confirmed (after 45 minutes); our checks give no verdict`.
   */
  unconfirmed(p: { readonly serviceName: string; readonly durationMs: number }): string;
  /**
   * Several services in one alert: `Meta services: WhatsApp, Instagram, Messenger down`, or
   * without a shared group `3 services down: WhatsApp, GitHub, Slack`. `serviceNames` are the
   * services in `state`; `otherCount` more are affected less badly (`; 1 other service affected`).
   * `unstable`: the named services are degraded because a monitor keeps flapping, so the title
   * says unstable, as a one-service alert does (`2 services unstable: WhatsApp, GitHub`).
   */
  groupTitle(p: {
    readonly groupName: string | null;
    readonly serviceNames: readonly string[];
    readonly state: State;
    readonly unstable?: boolean;
    readonly otherCount: number;
  }): string;
  /**
   * A recovery of an outage that eased before it ended: `At its worst: down` (one service, no
   * names) or `Down at their worst: WhatsApp, Instagram`.
   */
  peakedDown(p: { readonly serviceNames: readonly string[] }): string;
  /** `Meta services back up: WhatsApp, Instagram (after 45 minutes)`. */
  groupRecovered(p: {
    readonly groupName: string | null;
    readonly serviceNames: readonly string[];
    readonly durationMs: number;
  }): string;
  /** One service's line in a grouped alert when it has no evidence: `WhatsApp: down`. */
  serviceState(p: { readonly serviceName: string; readonly state: State }): string;
  /** One evidence line of one service in a grouped alert: `WhatsApp — web.whatsapp.com: HTTP 503`. */
  serviceEvidence(p: { readonly serviceName: string; readonly line: string }): string;
  /** `Started 10:50 PM` in the chat's time zone. */
  since(p: { readonly at: number; readonly timeZone: string }): string;
  /** Field label next to a platform-rendered start time: `Started`. */
  readonly sinceLabel: string;
  /** Field label for how long an outage lasted: `Duration`. */
  readonly durationLabel: string;
  /** `45 minutes`: the value under `durationLabel`. */
  duration(p: { readonly durationMs: number }): string;
  /** The last line when evidence had to be cut to fit a platform limit: `… and 3 more`. */
  moreLines(p: { readonly count: number }): string;
  /** `Incident #12` / `Incidents #12, #13`. */
  footer(p: { readonly incidentIds: readonly number[] }): string;
  readonly statusPageLink: string;
  /**
   * A `/note` on the incident: `Note (identified): bad deploy rolled back`. `text` is the author's
   * plain text; a `resolved` mark is the author's word, not the bot's verdict.
   */
  note(p: { readonly mark: NoteMark | null; readonly text: string }): string;
}

export interface EvidenceMessages {
  /**
   * What one probe saw: `web.whatsapp.com: HTTP 503`, `api.github.com: timed out after 10 seconds`.
   * `detail` is the probe's own (English, technical) text, added where the reason alone says too little.
   */
  probe(p: ProbeFacts & { readonly target: string; readonly detail?: string }): string;
  /** The reason alone: `HTTP 503`, `DNS: no such domain`, `certificate expired`. */
  reason(p: ProbeFacts): string;
  /** An official status line, quoted as published: `GitHub says: Investigating — Incident with Actions`. */
  official(p: { readonly serviceName: string; readonly line: string }): string;
  /** `14 user reports, more than usual` (possible) / `Many users report problems: 62 reports` (detected). */
  crowdReports(p: { readonly level: Exclude<CrowdLevel, 'none'>; readonly reporters: number }): string;
  /** A flapping monitor: `web.whatsapp.com: unstable, changed state 6 times in 30 minutes`. */
  unstable(p: { readonly target: string; readonly changes: number; readonly windowMs: number }): string;
  /** `62% of reports: messages not sending`. */
  crowdTopProblem(p: { readonly kind: ProblemKind; readonly share: number }): string;
  /** `messages not sending`. */
  problemKind(kind: ProblemKind): string;
}

/**
 * A probe outcome's reason with the numbers our probes report (their `facts`, see `buildAlert`).
 * Each language says the reason, with the numbers it has; without them, the reason alone.
 */
export interface ProbeFacts {
  readonly reason: OutcomeReason;
  /** `http-status`: the status code. */
  readonly httpStatus?: number;
  /** `timeout`, `dns-timeout`: the time limit that passed. */
  readonly timeoutMs?: number;
  /** `tls-expiring`: whole days the certificate has left (at least 1). */
  readonly daysLeft?: number;
  /** `redirects`: the redirect limit that was passed. */
  readonly maxRedirects?: number;
  /** `missed-heartbeat`: how long no ping came. */
  readonly silentMs?: number;
  /**
   * Votes of several vantage points (docs/cluster.md): `down` of the `of` locations that checked
   * saw it down. Only when `of` > 1 and `down` > 0; `probe` says it after the reason.
   */
  readonly vantages?: { readonly down: number; readonly of: number };
}

export interface ButtonMessages {
  /** The crowd-report button: `I'm affected too`. */
  readonly report: string;
  /** `Mute 1 hour`. */
  mute(p: { readonly durationMs: number }): string;
}

/** `all` stands for every service (`/subscribe all`). */
export type ServiceTarget = { readonly kind: 'all' } | { readonly kind: 'service'; readonly name: string };

/** Quiet hours as minutes of the day in the chat's time zone; `start > end` wraps midnight. */
export interface QuietHours {
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface ServiceStatusLine {
  readonly name: string;
  readonly state: State;
  readonly since: number;
}

export interface IncidentSummary {
  readonly serviceName: string;
  readonly severity: Severity;
  readonly startedAt: number;
  /** Absent while the incident is still open. */
  readonly durationMs?: number;
}

/** Arguments a command can be missing; each language names them itself. */
export const COMMAND_ARGUMENTS = [
  'service',
  'problem',
  'severity',
  'language',
  'timezone',
  'quiet',
  'role',
  'name',
  'target',
  'note',
  'remind',
  'threads',
] as const;
export type CommandArgument = (typeof COMMAND_ARGUMENTS)[number];

export interface CommandMessages {
  /** The command list (`commandHelp`); `withStart` adds Telegram's `/start`. */
  help(p: { readonly withStart: boolean }): string;
  /** `severity` is the least severity that alerts: `minor` = problems and outages, `major` = outages only. */
  subscribed(p: { readonly target: ServiceTarget; readonly severity: Severity }): string;
  unsubscribed(p: { readonly target: ServiceTarget }): string;
  notSubscribed(p: { readonly target: ServiceTarget }): string;
  /**
   * `topic`, in a Telegram forum whose subscriptions are not all in the topic asked from: where the
   * item's alerts go (`here`: this topic; `general`: the General topic; `other`: another topic).
   */
  subscriptions(p: {
    readonly items: readonly {
      readonly target: ServiceTarget;
      readonly severity: Severity;
      readonly topic?: 'here' | 'general' | 'other';
    }[];
  }): string;
  statusOverview(p: { readonly services: readonly ServiceStatusLine[]; readonly timeZone: string }): string;
  /** One service in detail; `evidence` lines are already in this language (from `buildAlert`'s helpers). */
  statusDetail(p: {
    readonly service: ServiceStatusLine;
    readonly evidence: readonly string[];
    readonly timeZone: string;
  }): string;
  incidents(p: { readonly incidents: readonly IncidentSummary[]; readonly timeZone: string }): string;
  reportAcknowledged(p: { readonly serviceName: string; readonly problem: ProblemKind }): string;
  /**
   * Added to the receipt of the report that made this community's own reporters as many as a
   * spike while the probes and other communities see nothing (docs/crowd.md §9). Seen by the whole
   * chat, and by no other community.
   */
  communityNotice(p: { readonly serviceName: string; readonly reporters: number }): string;
  /** The same person reported the same service within `windowMs` (30 minutes). */
  alreadyReported(p: { readonly serviceName: string; readonly windowMs: number }): string;
  /**
   * A `/report` sent on behalf of a chat (an anonymous admin, a channel): not counted, since
   * crowd reports count people and a chat identity costs nothing to multiply.
   */
  reportNeedsPerson(p: { readonly serviceName: string }): string;
  services(p: { readonly services: readonly { readonly id: string; readonly name: string }[] }): string;
  /** `/services <text>`: the services whose name, id or alias match `given` (none: says so). */
  servicesMatching(p: {
    readonly given: string;
    readonly services: readonly { readonly id: string; readonly name: string }[];
  }): string;
  /** The chat's settings after `/settings` (also shown when it is called without arguments). */
  settings(p: {
    readonly changed: boolean;
    readonly languageName: string;
    readonly timeZone: string;
    readonly quietHours: QuietHours | null;
    /** Discord only: the role alerts mention (null: none); absent on platforms without roles. */
    readonly mentionRoleId?: string | null;
    /** The still-down reminder pace in minutes, doubling after each reminder; null: off. */
    readonly remindMinutes: number | null;
    /** Discord only: whether each incident gets a thread (`/settings threads`); absent elsewhere. */
    readonly threads?: boolean;
  }): string;
  invalidLanguage(p: { readonly given: string; readonly supported: readonly string[] }): string;
  /** `Mars/Olympus is not a time zone I know; try Asia/Kolkata or UTC`. */
  invalidTimeZone(p: { readonly given: string }): string;
  invalidQuietHours(p: { readonly given: string }): string;
  /** `/settings remind` with a pace not offered: the paces (minutes) and `off`. */
  invalidRemindPace(p: { readonly given: string; readonly paces: readonly number[] }): string;
  unknownCommand(p: { readonly command: string }): string;
  /** `I don't know the service "whatsap". Did you mean WhatsApp?` */
  unknownService(p: { readonly given: string; readonly suggestions: readonly string[] }): string;
  /** `/settings role|threads` where the platform has neither (Telegram): what to do instead. */
  discordOnlySetting(p: { readonly setting: 'role' | 'threads' }): string;
  missingArgument(p: { readonly command: string; readonly argument: CommandArgument }): string;
  adminRequired(): string;
  /** `Slow down: try again in 10 seconds.` */
  rateLimited(p: { readonly retryAfterMs: number }): string;
  /** The bot cannot work in a channel: `I can't post in #alerts: missing Send Messages, Embed Links.` */
  missingPermissions(p: { readonly channel: string; readonly permissions: readonly string[] }): string;
  /** `While you were in quiet hours: 3 incidents` and one line each. */
  quietHoursSummary(p: { readonly incidents: readonly IncidentSummary[]; readonly timeZone: string }): string;
  /** `WhatsApp alerts muted in this chat until 11:50 PM.` */
  muted(p: { readonly serviceName: string; readonly until: number; readonly timeZone: string }): string;
  /**
   * `/silence` alone: the chat's silences with their ends (`allUntil`: the mute's; null: none;
   * `services`: each silenced service's, soonest first).
   */
  silences(p: {
    readonly allUntil: number | null;
    readonly services: readonly { readonly serviceName: string; readonly until: number }[];
    readonly timeZone: string;
  }): string;
  /** `/silence all 2h`: every alert of the chat is held until `until`, then summarised. */
  silenced(p: { readonly until: number; readonly timeZone: string }): string;
  /** `/silence off`: the mute ended; what it held follows as one summary. */
  silenceEnded(): string;
  /** `/silence off` in a chat that is not silenced. */
  notSilenced(): string;
  /** `/silence whatsapp 2h` in a bot without per-service silences: says what to use instead. */
  silenceOneService(p: { readonly serviceName: string }): string;
  /**
   * `/silence whatsapp 2h`: nothing about the service comes to this chat until `until`; then an
   * incident still open is alerted, one that came and went meanwhile is not.
   */
  serviceSilenced(p: {
    readonly serviceName: string;
    readonly until: number;
    readonly timeZone: string;
  }): string;
  /** `/silence off whatsapp`: the service's silence ended; an incident still open is alerted now. */
  serviceSilenceEnded(p: { readonly serviceName: string }): string;
  /** `/silence off whatsapp` when that service is not silenced here. */
  serviceNotSilenced(p: { readonly serviceName: string }): string;
  /** A `/silence` duration missing (`given` null) or not between 10 minutes and 7 days. */
  invalidSilenceDuration(p: { readonly given: string | null }): string;
  /** The change a command asked for could not be stored (the database is not writable). */
  storageUnavailable(): string;
  /** An unexpected failure on our side. */
  internalError(): string;
  /** `/note` stored; `open`: the incident is still open (otherwise it attached to the latest one). */
  noteAdded(p: { readonly serviceName: string; readonly open: boolean }): string;
  /** `/note` for a service with no open incident and none resolved in the last day. */
  noteNoIncident(p: { readonly serviceName: string }): string;
  /** `/note` by someone who is neither an operator nor an admin of the service's own community. */
  noteNotAllowed(): string;
  noteTooLong(p: { readonly max: number }): string;
  /** `/maintenance` without a known action: its three forms, `<start>` explained. */
  maintenanceUsage(): string;
  /** A window planned (or replaced): the monitor, its start and end in the chat's time zone. */
  maintenanceSet(p: {
    readonly name: string;
    readonly start: number;
    readonly end: number;
    readonly timeZone: string;
  }): string;
  /** `/maintenance list`: the community's windows by start; running ones (`start <= now`) say so. */
  maintenanceList(p: {
    readonly windows: readonly { readonly name: string; readonly start: number; readonly end: number }[];
    readonly now: number;
    readonly timeZone: string;
  }): string;
  /** `/maintenance cancel <monitor>`: the window is gone; what still fails is alerted now. */
  maintenanceCancelled(p: { readonly name: string }): string;
  /** `/maintenance cancel <monitor>` when it has no window planned or running. */
  maintenanceNone(p: { readonly name: string }): string;
  /** A name the community has no monitor of, and those it has (empty: none yet, `/monitor add`). */
  maintenanceUnknownMonitor(p: { readonly given: string; readonly known: readonly string[] }): string;
  /** `<start>` missing (null) or not `now`, `HH:MM` or `YYYY-MM-DD HH:MM`. */
  maintenanceBadStart(p: { readonly given: string | null }): string;
  /** A dated `<start>` already past. */
  maintenancePastStart(p: { readonly given: string }): string;
  /** `<duration>` missing (null) or not between 5 minutes and 7 days. */
  maintenanceBadDuration(p: { readonly given: string | null }): string;
}

/** A chat monitor as `/monitor` replies show it. Names and targets are untrusted plain text. */
export interface MonitorLine {
  readonly name: string;
  /** The normalised target: the URL (and keyword), or `host:port`. */
  readonly target: string;
  readonly intervalMs: number;
}

/** One line of the `/monitor list` audit trail: who (platform user id) added or removed what, when. */
export interface MonitorAuditLine {
  readonly name: string;
  readonly action: 'add' | 'remove';
  readonly actor: string;
  readonly at: number;
}

/**
 * What `/watch` found at a URL that is no status feed it can follow: an HTML page, JSON or XML of
 * no known status shape, an empty or other body, a feed its parser could not read, an HTTP error
 * status, or no answer at all (network failure, timeout, a redirect the SSRF guard refused).
 */
export type WatchFinding =
  | {
      readonly kind: 'html' | 'unknown-json' | 'other-xml' | 'empty' | 'other' | 'unreadable' | 'unreachable';
    }
  | { readonly kind: 'http-status'; readonly status: number };

/** The replies of `/monitor add|remove|list`. Plain text; the adapters escape it. */
export interface MonitorMessages {
  /** `/monitor` without a known action: the three forms, and that a Telegram name is one word. */
  usage(): string;
  /** The operator did not enable monitors added from chat. */
  notEnabled(): string;
  added(p: { readonly monitor: MonitorLine }): string;
  /** `reason` is already a sentence in this language (`describeSsrfRefusal`). */
  refused(p: { readonly reason: string }): string;
  invalidName(): string;
  nameTaken(p: { readonly name: string }): string;
  limitReached(p: { readonly limit: number }): string;
  intervalTooShort(p: { readonly minIntervalMs: number }): string;
  /** `every` is not a duration such as 60s, 5m or 1h. */
  invalidInterval(p: { readonly given: string }): string;
  removed(p: { readonly name: string }): string;
  notFound(p: { readonly name: string }): string;
  listing(p: {
    readonly monitors: readonly MonitorLine[];
    readonly limit: number;
    /** Newest first. */
    readonly audit: readonly MonitorAuditLine[];
    readonly timeZone: string;
  }): string;
  /** `/watch` without a URL: its form, an example, and that components are comma-separated. */
  watchUsage(): string;
  /** A status page added with `/watch`; `components` empty means the whole page counts. */
  watchAdded(p: {
    readonly name: string;
    readonly url: string;
    readonly components: readonly string[];
    readonly intervalMs: number;
  }): string;
  /** What `/watch` found instead of a status feed, and the URLs to try instead. */
  notStatusPage(p: { readonly found: WatchFinding }): string;
  /** Asked components the page does not list, and (some of) those it does: `more` not shown. */
  unknownComponents(p: {
    readonly unknown: readonly string[];
    readonly known: readonly string[];
    readonly more: number;
  }): string;
}

/** The live board (`/board`, src/core/board.ts) and its command's replies. Plain text; the adapters escape it. */
export interface BoardMessages {
  /** The board's first line: `Live status`. */
  title(): string;
  /**
   * One service: `🔴 WhatsApp: down since 10:50 PM`; `since` null (no state stored yet): the state alone.
   * `name` is untrusted plain text.
   */
  line(p: {
    readonly name: string;
    readonly state: State;
    readonly since: number | null;
    readonly timeZone: string;
  }): string;
  /** The chat is subscribed to nothing: the board says how to subscribe. */
  empty(): string;
  /** The board's last line while it is kept up to date. */
  live(): string;
  /** The last line of a board `/board off` stopped. */
  stopped(): string;
  /** The last line of a board a newer `/board` replaced. */
  moved(): string;
  /** `/board`: the board is being posted (`replaced`: the former one is told it moved). */
  started(p: { readonly replaced: boolean }): string;
  /** `/board off`: the board stays but is no longer updated. */
  ended(): string;
  /** `/board off` in a chat without a board. */
  none(): string;
}
