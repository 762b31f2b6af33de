/**
 * What a replay showed, measured against the scenario's trouble windows (docs/replay.md, "Summary"):
 * time to the first alert, messages per chat, incidents and their durations, and false alerts.
 */
import { WINDOW_MS } from '../core/crowd/crowd-window.js';
import type { IncidentEvent } from '../core/events.js';
import type { ReplayResult } from './replay.js';
import type { TroubleWindow } from './scenario.js';

/** Crowd windows are evaluated 5 s after they end: a crowd-only alert can come a window late. */
const CROWD_LAG_MS = WINDOW_MS + 5000;
/** A first failure is confirmed on a later check; this much more is allowed for timeouts and rounding. */
const CHECK_SLACK_MS = 30_000;

/**
 * How late an alert may open after its trouble window and still belong to it: two check intervals
 * and 30 s (a failure seen on one check, confirmed on the next), or a crowd window, the longer.
 */
export function alertToleranceMs(intervalMs: number): number {
  return Math.max(2 * intervalMs + CHECK_SLACK_MS, CROWD_LAG_MS);
}

export interface OutageSummary {
  readonly serviceId: string;
  readonly trouble: TroubleWindow;
  /** The first incident opening for the service inside the window (plus tolerance), if any. */
  readonly alertedAt: number | null;
  /** The first recovery after that opening. */
  readonly resolvedAt: number | null;
  /** The recovered incident's duration as the bot measured it. */
  readonly durationMs: number | null;
}

export interface ChatSummary {
  readonly chatId: string;
  /** Messages that arrived as new ones (alerts, replies, summaries). */
  readonly newMessages: number;
  /** Edits of messages already in the chat. */
  readonly edits: number;
}

export interface IncidentSummary {
  readonly serviceId: string;
  readonly serviceName: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  readonly durationMs: number | null;
}

export interface ReplaySummary {
  /** The first message a chat got that opens an incident, and how long after the first trouble began. */
  readonly firstAlert: {
    readonly at: number;
    readonly chatId: string;
    readonly afterMs: number | null;
  } | null;
  readonly outages: readonly OutageSummary[];
  readonly chats: readonly ChatSummary[];
  readonly incidents: readonly IncidentSummary[];
  /** Incident openings outside every trouble window of their service (with its tolerance). */
  readonly falseAlerts: readonly IncidentEvent[];
}

const opens = (event: IncidentEvent): boolean => event.kind === 'opened' || event.kind === 'reopened';

export function summarize(result: ReplayResult): ReplaySummary {
  const { scenario, events, messages } = result;
  const tolerance = (serviceId: string): number =>
    alertToleranceMs(result.intervalMs.get(serviceId) ?? 60_000);
  const troubleStarts = Object.values(scenario.trouble).flatMap((windows) => windows.map((w) => w.from));
  const firstTrouble = troubleStarts.length > 0 ? Math.min(...troubleStarts) : null;
  const first = messages.find((message) => message.job.events.some(opens));
  const firstAlert =
    first === undefined
      ? null
      : {
          at: first.at,
          chatId: first.chatId,
          afterMs: firstTrouble === null ? null : first.at - firstTrouble,
        };

  const outages = Object.entries(scenario.trouble).flatMap(([serviceId, windows]) =>
    windows.map((trouble): OutageSummary => {
      const opening = events.find(
        (e) =>
          e.serviceId === serviceId &&
          opens(e) &&
          e.at >= trouble.from &&
          e.at <= trouble.to + tolerance(serviceId),
      );
      const recovery =
        opening === undefined
          ? undefined
          : events.find((e) => e.serviceId === serviceId && e.kind === 'resolved' && e.at >= opening.at);
      return {
        serviceId,
        trouble,
        alertedAt: opening?.at ?? null,
        resolvedAt: recovery?.at ?? null,
        durationMs: recovery?.durationMs ?? null,
      };
    }),
  );

  const chats = scenario.chats
    .filter((chat) => chat.subscribe.length > 0)
    .map((chat): ChatSummary => {
      const own = messages.filter((message) => message.chatId === chat.id);
      const edits = own.filter((message) => message.kind === 'edit').length;
      return { chatId: chat.id, newMessages: own.length - edits, edits };
    });

  // Incidents in the order they opened; a recovery completes the one it closes.
  const incidents: IncidentSummary[] = [];
  const open = new Map<number, number>();
  for (const event of events) {
    if (opens(event) && !open.has(event.incidentId)) {
      open.set(event.incidentId, incidents.length);
      incidents.push({
        serviceId: event.serviceId,
        serviceName: event.serviceName,
        openedAt: event.at,
        resolvedAt: null,
        durationMs: null,
      });
    } else if (event.kind === 'resolved') {
      const index = open.get(event.incidentId);
      const incident = index === undefined ? undefined : incidents[index];
      if (index !== undefined && incident !== undefined) {
        incidents[index] = { ...incident, resolvedAt: event.at, durationMs: event.durationMs ?? null };
      }
      open.delete(event.incidentId);
    }
  }

  const falseAlerts = events.filter(
    (event) =>
      opens(event) &&
      !(scenario.trouble[event.serviceId] ?? []).some(
        (w) => event.at >= w.from && event.at <= w.to + tolerance(event.serviceId),
      ),
  );
  return { firstAlert, outages, chats, incidents, falseAlerts };
}
