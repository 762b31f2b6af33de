/**
 * The bodies a webhook endpoint receives (docs/webhooks.md): the versioned JSON schema and the
 * Slack-compatible `{ text }` variant. Pure: the sender signs and posts them.
 */
import { createHash } from 'node:crypto';
import {
  buildAlert,
  describeEvidence,
  summariseIncidents,
  type AlertMessage,
} from '../../core/alert-message.js';
import type { DeliveryJob } from '../../core/delivery/ports.js';
import type { IncidentEvent } from '../../core/events.js';
import { messagesFor } from '../../core/i18n/index.js';
import { fitLines, toPlainLine, toPlainText, truncateText } from '../../core/i18n/text-fit.js';
import type { WebhookFormat } from './webhook-config.js';

/** The `schema` field of every JSON body; a breaking change gets a new version. */
export const WEBHOOK_SCHEMA = 'incident-bot.webhook/v1';

/** What a delivery is, for the receiver (the outbox's job kinds, in the receiver's words). */
export const WEBHOOK_KINDS = ['alert', 'update', 'reply', 'summary'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

const KIND_OF_JOB: Readonly<Record<DeliveryJob['kind'], WebhookKind>> = {
  send: 'alert',
  edit: 'update',
  reply: 'reply',
  summary: 'summary',
};

export interface WebhookEventBody {
  /**
   * The same wherever this event is sent: a retry may carry it in a larger delivery (events
   * that arrived meanwhile grouped with it, under a new delivery id), so receivers that must
   * act once per event de-duplicate on it.
   */
  readonly eventId: string;
  readonly incidentId: number;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly group: string | null;
  /** `opened`, `reopened`, `updated` or `resolved`. */
  readonly kind: IncidentEvent['kind'];
  readonly severity: IncidentEvent['severity'];
  /** Set on `resolved`: the worst severity the incident reached. */
  readonly worstSeverity: IncidentEvent['severity'] | null;
  readonly status: IncidentEvent['status'];
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  /** When this change happened. */
  readonly at: string;
  /** Set on `resolved`. */
  readonly resolvedAt: string | null;
  readonly durationMs: number | null;
  /** As the detection engine recorded it (probe results, official lines, crowd reports, flapping). */
  readonly evidence: IncidentEvent['evidence'];
  /** The same evidence as localised lines. */
  readonly evidenceText: readonly string[];
}

export interface WebhookJsonBody {
  readonly schema: typeof WEBHOOK_SCHEMA;
  /** Stable across retries of one delivery: receivers de-duplicate on it (delivery is at-least-once). */
  readonly deliveryId: string;
  readonly endpoint: string;
  readonly kind: WebhookKind;
  /** `update`: the delivery whose alert this one replaces; `reply`: the delivery it answers. */
  readonly updates: string | null;
  readonly replyTo: string | null;
  readonly locale: string;
  /** The whole alert as localised plain text (title, evidence lines, start, footer). */
  readonly text: string;
  /** The alert's title alone (on a summary, its first line). */
  readonly title: string;
  readonly severity: IncidentEvent['severity'];
  /** In the order they happened. */
  readonly events: readonly WebhookEventBody[];
}

/** Slack incoming webhooks, Mattermost and Rocket.Chat accept `{ text }` with Slack's mrkdwn. */
export interface WebhookSlackBody {
  readonly text: string;
}

/**
 * The id of one delivery: a hash of the endpoint, the job's kind and target and its events, so a
 * retry of the same rows (after a timeout, a 5xx, a crash) carries the same id and receivers can
 * drop the duplicate. Also the "message id" later edits and replies refer to.
 */
export function deliveryIdOf(endpoint: string, job: DeliveryJob): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      endpoint,
      job.kind,
      job.editMessageId ?? null,
      job.replyToMessageId ?? null,
      job.events.map((e) => [e.incidentId, e.kind, e.at, e.severity, e.status]),
    ]),
  );
  return hash.digest('hex').slice(0, 32);
}

/** The id of one incident event (see {@link WebhookEventBody.eventId}). */
export function eventIdOf(e: IncidentEvent): string {
  return createHash('sha256')
    .update(JSON.stringify([e.incidentId, e.kind, e.at, e.severity, e.status]))
    .digest('hex')
    .slice(0, 32);
}

/** The body of one delivery in the endpoint's format. */
export function renderWebhookBody(
  format: WebhookFormat,
  endpoint: string,
  job: DeliveryJob,
  deliveryId: string,
): WebhookJsonBody | WebhookSlackBody {
  return format === 'slack' ? renderSlackBody(job) : renderJsonBody(endpoint, job, deliveryId);
}

export function renderJsonBody(endpoint: string, job: DeliveryJob, deliveryId: string): WebhookJsonBody {
  const { locale } = job.settings;
  const m = messagesFor(locale);
  const kind = KIND_OF_JOB[job.kind];
  const alert = job.kind === 'summary' ? null : alertOf(job);
  const text = alert === null ? summaryText(job) : alertText(alert);
  return {
    schema: WEBHOOK_SCHEMA,
    deliveryId,
    endpoint,
    kind,
    updates: job.kind === 'edit' ? (job.editMessageId ?? null) : null,
    replyTo: job.kind === 'reply' ? (job.replyToMessageId ?? null) : null,
    locale,
    text,
    title: alert === null ? (text.split('\n')[0] ?? '') : alert.title,
    severity: job.events.some((e) => e.severity === 'major') ? 'major' : 'minor',
    events: job.events.map((e) => ({
      eventId: eventIdOf(e),
      incidentId: e.incidentId,
      serviceId: e.serviceId,
      serviceName: e.serviceName,
      group: e.group,
      kind: e.kind,
      severity: e.severity,
      worstSeverity: e.worstSeverity ?? null,
      status: e.status,
      startedAt: iso(e.startedAt),
      at: iso(e.at),
      resolvedAt: e.kind === 'resolved' ? iso(e.at) : null,
      durationMs: e.kind === 'resolved' ? (e.durationMs ?? Math.max(0, e.at - e.startedAt)) : null,
      evidence: e.evidence,
      evidenceText: describeEvidence(e.evidence, e.serviceName, m).map(toPlainLine),
    })),
  };
}

/** Slack's suggested ceiling for `text` (it truncates far later, at 40,000). */
export const MAX_SLACK_TEXT_CHARS = 4000;
const MAX_LINE_CHARS = 1000;

/**
 * `{ text }` in Slack mrkdwn: the title in bold, one bullet per evidence line, then when it
 * started. Every piece of text is escaped (`&`, `<`, `>`), so nothing from outside becomes a link
 * or a mention (`<!channel>`, `<@U123>`), and `@` gets a word joiner, since Mattermost and
 * Rocket.Chat turn a bare `@channel` or `@name` into a mention. So does `](`, since they render
 * Markdown: `[text](url)` and `![](url)` (an image every reader's client would fetch) stay text.
 */
export function renderSlackBody(job: DeliveryJob): WebhookSlackBody {
  if (job.kind === 'summary') {
    const text = escapeSlack(summaryText(job));
    return { text: truncateText(text, MAX_SLACK_TEXT_CHARS) };
  }
  const alert = alertOf(job);
  const m = messagesFor(alert.locale);
  const title = escapeSlack(truncateText(toPlainLine(alert.title), MAX_LINE_CHARS));
  const foot = [alert.sinceText, alert.footer].map((t) => escapeSlack(toPlainLine(t)));
  const head = `*${title}*`;
  const budget = MAX_SLACK_TEXT_CHARS - head.length - foot.join('\n').length - 3;
  const lines = fitLines(alert.lines, budget, {
    render: (plain, max) => truncateText(`• ${escapeSlack(toPlainLine(plain))}`, max),
    measure: (rendered) => rendered.length,
    more: (count) => escapeSlack(m.alert.moreLines({ count })),
    separatorCost: 1,
    maxLineCost: MAX_LINE_CHARS,
  });
  return { text: [[head, ...lines].join('\n'), foot.join('\n')].join('\n\n') };
}

const SLACK_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** U+2060 WORD JOINER: invisible, and not a name character, so `@channel` stops being a mention. */
const WORD_JOINER = '\u2060';

/** Text for Slack mrkdwn (https://api.slack.com/reference/surfaces/formatting#escaping), mentions broken. */
export function escapeSlack(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => SLACK_ENTITIES[c] ?? c)
    .replace(/@(?=[\p{L}\p{N}_])/gu, `@${WORD_JOINER}`)
    .replaceAll('](', `]${WORD_JOINER}(`);
}

function alertOf(job: DeliveryJob): AlertMessage {
  return buildAlert(job.events, { locale: job.settings.locale, timeZone: job.settings.timeZone });
}

/**
 * The alert as plain text: title (a recovery's says how long it lasted), evidence lines, then when
 * it started (in the endpoint's time zone) and the incident numbers.
 */
export function alertText(alert: AlertMessage): string {
  const foot = [alert.sinceText, alert.footer];
  return [[alert.title, ...alert.lines.map((l) => `• ${l}`)].join('\n'), foot.join('\n')].join('\n\n');
}

function summaryText(job: DeliveryJob): string {
  return toPlainText(
    messagesFor(job.settings.locale).commands.quietHoursSummary({
      incidents: summariseIncidents(job.events),
      timeZone: job.settings.timeZone,
    }),
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();
