import { PROBLEM_KINDS, type ProblemKind } from './crowd/problem-kind.js';
import type { Evidence } from './detection/service-status.js';
import type { IncidentEvent } from './events.js';
import {
  messagesFor,
  type IncidentSummary,
  type Locale,
  type Messages,
  type ProbeFacts,
} from './i18n/index.js';
import { toPlainLine } from './i18n/text-fit.js';
import type { OutcomeFacts, OutcomeReason, Severity, State } from './model.js';

/**
 * The platform-neutral alert: what every renderer (Telegram, Discord, console) draws.
 * Plain data, plain localised text; renderers escape it and fit it into their limits.
 * This file is a little over the usual size because the model, the wording of its evidence and
 * the payloads of its buttons change together; each section stands alone.
 */
export interface AlertMessage {
  readonly locale: Locale;
  readonly title: string;
  /** `up` once every service in it has recovered. */
  readonly state: State;
  /** The change the alert reports; `resolved` when every service recovered. */
  readonly change: IncidentEvent['kind'];
  readonly severity: Severity;
  /** Evidence lines, one fact each, no line breaks. */
  readonly lines: readonly string[];
  /** When the (earliest) incident started, epoch ms. */
  readonly since: number;
  /** `Started 10:50 PM` in the chat's time zone, for platforms without their own time rendering. */
  readonly sinceText: string;
  /** When the latest event happened, epoch ms. */
  readonly at: number;
  /** Set when the alert reports a recovery: the (longest) outage duration. */
  readonly durationMs?: number;
  readonly durationText?: string;
  readonly services: readonly { readonly id: string; readonly name: string }[];
  readonly incidentIds: readonly number[];
  /** `Incident #12`. */
  readonly footer: string;
  readonly links: readonly { readonly label: string; readonly url: string }[];
  /** Empty on recoveries: nobody needs to report or mute a service that is back. */
  readonly buttons: readonly AlertButton[];
  readonly grouped: boolean;
}

export interface AlertButton {
  readonly kind: AlertButtonKind;
  readonly serviceId: string;
  readonly label: string;
}

export const ALERT_BUTTON_KINDS = ['report', 'mute'] as const;
export type AlertButtonKind = (typeof ALERT_BUTTON_KINDS)[number];

export interface AlertContext {
  readonly locale: Locale;
  /** IANA zone of the chat; an unknown zone throws RangeError (validate it in `/settings`). */
  readonly timeZone: string;
  readonly statusPageUrl?: string;
  /** Display names of service groups (`meta` → `Meta`); otherwise the id, capitalised. */
  readonly groupNames?: Readonly<Record<string, string>>;
}

/** How long the alert's mute button mutes a service. */
export const MUTE_MS = 3_600_000;

const STATE_RANK: Readonly<Record<State, number>> = {
  down: 4,
  degraded: 3,
  maintenance: 2,
  unknown: 1,
  up: 0,
};

/**
 * Builds one alert from the events to send to one chat together. One event gives a single-service
 * alert; several (the caller groups services that changed in the same minute, or one group's
 * services) give one grouped alert, worst state first. Throws on an empty list (a caller bug).
 */
export function buildAlert(events: readonly IncidentEvent[], ctx: AlertContext): AlertMessage {
  const latest = latestPerService(events);
  const first = latest[0];
  if (first === undefined) throw new Error('buildAlert needs at least one event');
  const m = messagesFor(ctx.locale);
  const body = latest.length === 1 ? singleAlert(first, m) : groupedAlert(latest, m, ctx);
  const since = Math.min(...latest.map((e) => e.startedAt));
  const active = latest.filter((e) => e.kind !== 'resolved');
  const buttonTarget = active[0];
  const incidentIds = [...new Set(latest.map((e) => e.incidentId))];
  return {
    locale: ctx.locale,
    title: toPlainLine(body.title),
    state: body.state,
    change: body.change,
    severity: (active.length > 0 ? active : latest).some((e) => e.severity === 'major') ? 'major' : 'minor',
    lines: body.lines.map(toPlainLine),
    since,
    sinceText: m.alert.since({ at: since, timeZone: ctx.timeZone }),
    at: Math.max(...latest.map((e) => e.at)),
    ...(body.durationMs === undefined
      ? {}
      : { durationMs: body.durationMs, durationText: m.alert.duration({ durationMs: body.durationMs }) }),
    services: latest.map((e) => ({ id: e.serviceId, name: toPlainLine(e.serviceName) })),
    incidentIds,
    footer: m.alert.footer({ incidentIds }),
    links: statusPageLinks(ctx.statusPageUrl, m),
    buttons:
      buttonTarget === undefined
        ? []
        : [
            { kind: 'report', serviceId: buttonTarget.serviceId, label: m.buttons.report },
            {
              kind: 'mute',
              serviceId: buttonTarget.serviceId,
              label: m.buttons.mute({ durationMs: MUTE_MS }),
            },
          ],
    grouped: latest.length > 1,
  };
}

interface AlertBody {
  readonly title: string;
  readonly state: State;
  readonly change: IncidentEvent['kind'];
  readonly lines: readonly string[];
  readonly durationMs?: number;
}

function singleAlert(e: IncidentEvent, m: Messages): AlertBody {
  if (e.kind === 'resolved') {
    const durationMs = outageMs(e);
    return {
      // Closed with no verdict (nothing accuses any more, but no check passed): not "back up".
      title:
        e.status === 'unknown'
          ? m.alert.unconfirmed({ serviceName: e.serviceName, durationMs })
          : m.alert.recovered({ serviceName: e.serviceName, durationMs }),
      state: 'up',
      change: e.kind,
      lines: easedFromDown(e) ? [m.alert.peakedDown({ serviceNames: [] })] : [],
      durationMs,
    };
  }
  return {
    title: isUnstable(e)
      ? m.alert.unstable({ change: e.kind, serviceName: e.serviceName })
      : m.alert.title({ change: e.kind, serviceName: e.serviceName, state: e.status }),
    state: e.status,
    change: e.kind,
    lines: [...describeEvidence(e.evidence, e.serviceName, m), ...noteLines(e, m)],
  };
}

/** The `/note` an event carries, as the alert's line. */
function noteLines(e: IncidentEvent, m: Messages): string[] {
  return e.note === undefined ? [] : [m.alert.note({ mark: e.note.mark, text: e.note.text })];
}

function groupedAlert(events: readonly IncidentEvent[], m: Messages, ctx: AlertContext): AlertBody {
  const groupName = sharedGroupName(events, ctx);
  const active = events.filter((e) => e.kind !== 'resolved');
  const resolved = events.filter((e) => e.kind === 'resolved');
  const eased = resolved.filter(easedFromDown).map((e) => e.serviceName);
  const recoveredLines = [
    ...resolved.map((e) => m.alert.recovered({ serviceName: e.serviceName, durationMs: outageMs(e) })),
    ...(eased.length > 0 ? [m.alert.peakedDown({ serviceNames: eased })] : []),
  ];
  const worst = active[0];
  if (worst === undefined) {
    const durationMs = Math.max(...resolved.map(outageMs));
    const serviceNames = resolved.map((e) => e.serviceName);
    const title = m.alert.groupRecovered({ groupName, serviceNames, durationMs });
    return { title, state: 'up', change: 'resolved', lines: recoveredLines, durationMs };
  }
  // The title names the services in the worst state; the others get their state in the lines.
  const named = active.filter((e) => e.status === worst.status);
  const serviceNames = named.map((e) => e.serviceName);
  const activeLines = active.flatMap((e) => {
    const lines = evidenceLines(e.evidence, e.serviceName, m);
    const stateLine = m.alert.serviceState({ serviceName: e.serviceName, state: e.status });
    const named = lines.map((l) =>
      l.namesService ? l.text : m.alert.serviceEvidence({ serviceName: e.serviceName, line: l.text }),
    );
    const notes = noteLines(e, m).map((line) =>
      m.alert.serviceEvidence({ serviceName: e.serviceName, line }),
    );
    return [...(lines.length > 0 ? named : [stateLine]), ...notes];
  });
  return {
    title: m.alert.groupTitle({
      groupName,
      serviceNames,
      state: worst.status,
      otherCount: active.length - serviceNames.length,
      // Unstable, as a one-service alert says, when every service named is degraded by flapping.
      ...(named.every(isUnstable) ? { unstable: true } : {}),
    }),
    state: worst.status,
    change: active.every((e) => e.kind === worst.kind) ? worst.kind : 'updated',
    lines: [...activeLines, ...recoveredLines],
  };
}

/** The latest event of each service, worst state first, then by name (stable output for tests and people). */
function latestPerService(events: readonly IncidentEvent[]): IncidentEvent[] {
  const byService = new Map<string, IncidentEvent>();
  for (const e of events) {
    const seen = byService.get(e.serviceId);
    if (seen === undefined || e.at >= seen.at) byService.set(e.serviceId, e);
  }
  const rank = (e: IncidentEvent): number => (e.kind === 'resolved' ? -1 : STATE_RANK[e.status]);
  return [...byService.values()].sort(
    (a, b) => rank(b) - rank(a) || a.serviceName.localeCompare(b.serviceName, 'en'),
  );
}

function sharedGroupName(events: readonly IncidentEvent[], ctx: AlertContext): string | null {
  const group = events[0]?.group ?? null;
  if (group === null || events.some((e) => e.group !== group)) return null;
  return toPlainLine(ctx.groupNames?.[group] ?? group.charAt(0).toUpperCase() + group.slice(1));
}

/** A flapping monitor makes its service degraded; a service down by quorum says down, whatever flaps. */
const isUnstable = (e: IncidentEvent): boolean =>
  e.status === 'degraded' && e.evidence.some((x) => x.kind === 'unstable');

/** A recovery of an outage that was down at its worst but only degraded at the end. */
const easedFromDown = (e: IncidentEvent): boolean =>
  e.kind === 'resolved' && e.worstSeverity === 'major' && e.severity !== 'major';

const outageMs = (e: IncidentEvent): number => e.durationMs ?? Math.max(0, e.at - e.startedAt);

function statusPageLinks(url: string | undefined, m: Messages): AlertMessage['links'] {
  if (url === undefined || !isWebUrl(url)) return [];
  return [{ label: m.alert.statusPageLink, url: new URL(url).href }];
}

/** Only http(s) URLs become links: a `javascript:` or `tg:` URL from config must not be clickable. */
export function isWebUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol } = new URL(url);
  return protocol === 'https:' || protocol === 'http:';
}

/** Reasons whose probe message carries specifics the localised phrase lacks (which keyword, which certificate problem). */
const DETAIL_REASONS: ReadonlySet<OutcomeReason> = new Set([
  'assertion',
  'tls',
  'protocol',
  'redirects',
  'dns-mismatch',
  'error',
]);
/**
 * Reasons whose phrase says a number of the outcome's facts. Evidence without that number (stored
 * before probes gave facts, or another vantage point's vote, which shares only its message) has it
 * only in its English message, which then follows the phrase as its detail.
 */
const NUMBER_REASONS: Readonly<Partial<Record<OutcomeReason, keyof OutcomeFacts>>> = {
  'http-status': 'statusCode',
  timeout: 'timeoutMs',
  'dns-timeout': 'timeoutMs',
};

/**
 * Evidence as localised lines. Probe evidence carries the probe's facts (status code, time
 * limit, days left…), which each language says itself, and its English message, quoted only for
 * specifics no phrase has. Official lines are quoted as
 * published, with an English `<service> says: ` prefix from the sources replaced by the
 * language's own framing.
 */
export function describeEvidence(evidence: readonly Evidence[], serviceName: string, m: Messages): string[] {
  return evidenceLines(evidence, serviceName, m).map((l) => l.text);
}

/** A line and whether it already names its service (official lines do: `GitHub says: …`). */
interface EvidenceLine {
  readonly text: string;
  readonly namesService: boolean;
}

function evidenceLines(evidence: readonly Evidence[], serviceName: string, m: Messages): EvidenceLine[] {
  const line = (text: string): EvidenceLine => ({ text, namesService: false });
  return evidence.flatMap((e): EvidenceLine[] => {
    switch (e.kind) {
      case 'probe':
        return [line(m.evidence.probe({ ...probeFacts(e), target: e.target, ...probeDetail(e) }))];
      case 'official': {
        const prefix = `${serviceName} says: `;
        return e.lines.map((text) => ({
          text: m.evidence.official({
            serviceName,
            line: text.startsWith(prefix) ? text.slice(prefix.length) : text,
          }),
          namesService: true,
        }));
      }
      case 'unstable':
        return [line(m.evidence.unstable({ target: e.target, changes: e.changes, windowMs: e.windowMs }))];
      case 'crowd': {
        if (e.level === 'none') return [];
        const reports = line(m.evidence.crowdReports({ level: e.level, reporters: e.reporters }));
        const top = e.topProblem;
        if (top === undefined) return [reports];
        const kind = isProblemKind(top.kind) ? top.kind : 'other';
        return [reports, line(m.evidence.crowdTopProblem({ kind, share: top.share }))];
      }
    }
  });
}

const isProblemKind = (kind: string): kind is ProblemKind =>
  (PROBLEM_KINDS as readonly string[]).includes(kind);

type ProbeEvidence = Extract<Evidence, { kind: 'probe' }>;

/** The facts each language's phrase for the reason says (see ProbeFacts). */
function probeFacts(e: ProbeEvidence): ProbeFacts {
  const f = e.facts ?? {};
  const { reason } = e;
  return {
    reason,
    ...(reason === 'http-status' && f.statusCode !== undefined ? { httpStatus: f.statusCode } : {}),
    ...((reason === 'timeout' || reason === 'dns-timeout') && f.timeoutMs !== undefined
      ? { timeoutMs: f.timeoutMs }
      : {}),
    ...(reason === 'tls-expiring' && f.daysLeft !== undefined && f.daysLeft >= 1
      ? { daysLeft: f.daysLeft }
      : {}),
    ...(reason === 'redirects' && f.maxRedirects !== undefined ? { maxRedirects: f.maxRedirects } : {}),
    ...(reason === 'missed-heartbeat' && f.silentMs !== undefined ? { silentMs: f.silentMs } : {}),
    ...(f.vantages !== undefined && f.vantages.of > 1 && f.vantages.down > 0 ? { vantages: f.vantages } : {}),
  };
}

function probeDetail(e: ProbeEvidence): { detail?: string } {
  if (e.message.trim() === '') return {};
  // The phrase says the redirect limit: the message would say it again.
  if (e.reason === 'redirects' && e.facts?.maxRedirects !== undefined) return {};
  const number = NUMBER_REASONS[e.reason];
  const detail = DETAIL_REASONS.has(e.reason) || (number !== undefined && e.facts?.[number] === undefined);
  return detail ? { detail: e.message } : {};
}

const BUTTON_PREFIX: Readonly<Record<AlertButtonKind, string>> = { report: 'r', mute: 'm' };
const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/**
 * The payload a button sends back (Telegram `callback_data`, Discord `custom_id`): `r:<serviceId>`
 * or `m:<serviceId>`. An id too long for `maxBytes` (UTF-8) is replaced by a hash, `r#<hash>`,
 * which `parseButtonPayload` resolves against the known ids; ids are never cut, so a shortened
 * payload can never name a different service.
 */
export function buttonPayload(kind: AlertButtonKind, serviceId: string, maxBytes: number): string {
  const plain = `${BUTTON_PREFIX[kind]}:${serviceId}`;
  return utf8Bytes(plain) <= maxBytes ? plain : `${BUTTON_PREFIX[kind]}#${hashId(serviceId)}`;
}

/** The button and service a payload names, or null when it is not ours or names no known service. */
export function parseButtonPayload(
  payload: string,
  knownServiceIds: readonly string[],
): { readonly kind: AlertButtonKind; readonly serviceId: string } | null {
  const kind = ALERT_BUTTON_KINDS.find((k) => payload.startsWith(BUTTON_PREFIX[k]));
  if (kind === undefined) return null;
  const rest = payload.slice(BUTTON_PREFIX[kind].length + 1);
  if (payload.charAt(1) === ':') return knownServiceIds.includes(rest) ? { kind, serviceId: rest } : null;
  if (payload.charAt(1) !== '#') return null;
  const matches = knownServiceIds.filter((id) => hashId(id) === rest);
  const only = matches.length === 1 ? matches[0] : undefined;
  return only === undefined ? null : { kind, serviceId: only };
}

/**
 * A 53-bit string hash in base 36 (at most 11 characters), after bryc's public-domain cyrb53.
 * Not cryptographic: it only has to tell a few hundred configured ids apart.
 */
function hashId(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * One line per incident of a quiet-hours summary, as its latest event describes it (every
 * platform's summary lists the same lines).
 */
export function summariseIncidents(events: readonly IncidentEvent[]): IncidentSummary[] {
  const latest = new Map<number, IncidentEvent>();
  for (const e of events) latest.set(e.incidentId, e);
  return [...latest.values()].map((e) => ({
    serviceName: e.serviceName,
    severity: e.severity,
    startedAt: e.startedAt,
    ...(e.kind === 'resolved' ? { durationMs: e.durationMs ?? Math.max(0, e.at - e.startedAt) } : {}),
  }));
}
