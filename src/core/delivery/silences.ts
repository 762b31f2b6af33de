import type { IncidentEventKind } from '../events.js';

/**
 * Per-service silences (`/silence <service> <duration>`), as Alertmanager's: while one lasts, nothing
 * about that service goes to that chat, and other services and other chats are unaffected.
 *
 * Both outboxes plan the rows as always; a claim first sets the chat's queued rows (pending, held,
 * or leased with the lease run out) of a silenced service aside as `silenced`, due at the silence's
 * end. A `silenced` row keeps none of the chat's other rows waiting (a `held` row of a mute does).
 * When the rows are due, the claim releases them by {@link planSilenceRelease}: they become pending
 * again and go out as usual (the alert, its edit, the recovery reply; held again if the chat is
 * muted or in its quiet hours then), or are dropped. Every step is a statement in the claim's
 * transaction, so a crash leaves the rows set aside or released, never lost.
 */

/** A `silenced` row of one chat, as the release reads it. */
export interface SilencedRow {
  readonly id: number;
  readonly incidentId: number;
  readonly eventKind: IncidentEventKind;
  readonly serviceId: string;
}

/** What the release does with a chat's due `silenced` rows. */
export interface SilenceRelease {
  /** Rows of a service silenced again meanwhile: due again at that silence's end. */
  readonly wait: readonly { readonly ids: readonly number[]; readonly until: number }[];
  /** Rows that go out now (pending again). */
  readonly release: readonly number[];
  /** Rows never to be shown to the chat (deleted). */
  readonly drop: readonly number[];
  /** Incidents the chat will never hear of: their undelivered message references go too. */
  readonly forget: readonly number[];
}

/**
 * What happens to one chat's due `silenced` rows (in id order). `silencedUntil` is the end of a
 * silence of the service still lasting (null: none); `told` whether the chat has a delivered message
 * of the incident (its alert went out before the silence). Per incident:
 *
 * | the chat had the alert | its silenced rows | at the silence's end |
 * |---|---|---|
 * | yes | any | all go out: the alert is edited, the recovery replies to it |
 * | no | no recovery among them | all go out: the incident's alert, as it is now |
 * | no | ending with the recovery | all dropped: it opened and recovered inside the silence |
 * | no | a recovery, then more (it reopened) | dropped up to the recovery, the rest go out |
 */
export function planSilenceRelease(
  rows: readonly SilencedRow[],
  silencedUntil: (serviceId: string) => number | null,
  told: (incidentId: number) => boolean,
): SilenceRelease {
  const wait = new Map<number, number[]>();
  const byIncident = new Map<number, SilencedRow[]>();
  for (const row of rows) {
    const until = silencedUntil(row.serviceId);
    if (until !== null) {
      const ids = wait.get(until) ?? [];
      ids.push(row.id);
      wait.set(until, ids);
      continue;
    }
    const own = byIncident.get(row.incidentId) ?? [];
    own.push(row);
    byIncident.set(row.incidentId, own);
  }
  const release: number[] = [];
  const drop: number[] = [];
  const forget: number[] = [];
  for (const [incidentId, own] of byIncident) {
    const sorted = [...own].sort((a, b) => a.id - b.id);
    const lastRecovery = told(incidentId) ? -1 : sorted.map((r) => r.eventKind).lastIndexOf('resolved');
    for (const [i, row] of sorted.entries()) (i <= lastRecovery ? drop : release).push(row.id);
    if (lastRecovery === sorted.length - 1) forget.push(incidentId);
  }
  return {
    wait: [...wait].map(([until, ids]) => ({ ids, until })),
    release: release.sort((a, b) => a - b),
    drop: drop.sort((a, b) => a - b),
    forget,
  };
}
