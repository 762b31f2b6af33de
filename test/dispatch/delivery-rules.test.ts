import { describe, expect, it } from 'vitest';
import {
  formatQuietHours,
  holdUntil,
  isValidTimeZone,
  meetsMinSeverity,
  parseQuietHours,
} from '../../src/core/delivery/chat-rules.js';
import {
  GROUP_WINDOW_MS,
  SAME_GROUP_WINDOW_MS,
  MAX_GROUP_EVENTS,
  type ShownIncident,
  mergeTarget,
  selectGroup,
} from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { ClaimedChat, MessageRef, OutboxItem } from '../../src/core/delivery/ports.js';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  nominalRetryDelay,
} from '../../src/core/delivery/retry-policy.js';
import { TokenBucket } from '../../src/core/delivery/token-bucket.js';
import type { IncidentEventKind } from '../../src/core/events.js';
import { Pacer } from '../../src/dispatch/pacer.js';
import { TELEGRAM_PACING } from '../../src/platforms/telegram/telegram-settings.js';
import { FakeClock } from '../helpers/catalog.js';
import { readDocTable } from '../helpers/doc-table.js';
import { T0, fakeSleep, incidentEvent } from './delivery-fixtures.js';

describe('retry policy', () => {
  const rows = readDocTable(
    new URL('../../src/core/delivery/retry-policy.ts', import.meta.url),
    'decideRetry',
  );

  it.each(rows)('attempt %s: nominal %s, %s', (attempts, nominal, decision) => {
    const n = Number(attempts);
    const lowest = decideRetry({ attempts: n, createdAt: T0, now: T0, random: () => 0 });
    const highest = decideRetry({ attempts: n, createdAt: T0, now: T0, random: () => 1 });
    if (decision === 'retry') {
      const ms = Number(nominal?.replace(' s', '')) * 1000;
      expect(nominalRetryDelay(n)).toBe(ms);
      expect(lowest).toEqual({ kind: 'retry', at: T0 + ms / 2 });
      expect(highest).toEqual({ kind: 'retry', at: T0 + ms });
    } else {
      expect(lowest).toEqual({ kind: 'give-up', why: 'attempts' });
    }
  });

  it('gives up on an alert older than the maximum age, whatever the count', () => {
    const now = T0 + DEFAULT_RETRY_POLICY.maxAgeMs;
    expect(decideRetry({ attempts: 1, createdAt: T0, now, random: () => 0.5 })).toEqual({
      kind: 'give-up',
      why: 'age',
    });
  });
});

describe('subscription rules', () => {
  it('compares severities', () => {
    expect(meetsMinSeverity('major', 'minor')).toBe(true);
    expect(meetsMinSeverity('minor', 'major')).toBe(false);
    expect(meetsMinSeverity('minor', 'minor')).toBe(true);
  });

  it('parses and formats quiet hours, refusing malformed ones', () => {
    expect(parseQuietHours('23:00-07:30')).toEqual({ startMinute: 1380, endMinute: 450 });
    expect(formatQuietHours({ startMinute: 1380, endMinute: 450 })).toBe('23:00-07:30');
    for (const bad of ['24:00-07:00', '23:00', '7:00-8:00', '10:00-10:00', ''])
      expect(parseQuietHours(bad)).toBeNull();
    expect(isValidTimeZone('Asia/Dhaka')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('holds during quiet hours in the chat zone, until their end', () => {
    const night = { startMinute: 23 * 60, endMinute: 7 * 60 };
    const dhaka = { quietHours: night, mutedUntil: null, timeZone: 'Asia/Dhaka' };
    // 17:15 UTC = 23:15 in Dhaka (UTC+6); quiet until 07:00 Dhaka = 01:00 UTC.
    expect(holdUntil(dhaka, T0)).toBe(Date.UTC(2024, 2, 20, 1, 0));
    expect(holdUntil({ ...dhaka, timeZone: 'UTC' }, T0)).toBeNull();
    expect(holdUntil({ ...dhaka, quietHours: { startMinute: 9 * 60, endMinute: 17 * 60 } }, T0)).toBeNull();
  });

  it('chains a mute into quiet hours', () => {
    const settings = {
      quietHours: { startMinute: 0, endMinute: 60 },
      mutedUntil: Date.UTC(2024, 2, 20, 0, 30),
      timeZone: 'UTC',
    };
    expect(holdUntil(settings, T0)).toBe(Date.UTC(2024, 2, 20, 1, 0));
    expect(holdUntil({ ...settings, mutedUntil: T0 - 1 }, T0)).toBeNull();
  });
});

describe('delivery plan', () => {
  const item = (id: number, eventKind: IncidentEventKind, createdAt = T0): OutboxItem => ({
    id,
    incidentId: id,
    eventKind,
    event: incidentEvent({ incidentId: id, kind: eventKind }),
    attempts: 0,
    createdAt,
  });
  const claim = (items: OutboxItem[], refs: [number, MessageRef][] = [], released = false): ClaimedChat => ({
    leaseToken: 't',
    chat: {
      platform: 'discord',
      chatId: 'c',
      guildId: 'g',
      settings: {
        locale: 'bn',
        timeZone: 'UTC',
        quietHours: null,
        mutedUntil: null,
        mentionRoleId: 'r',
        remindMinutes: null,
      },
      active: true,
      deactivatedReason: null,
      deactivatedAt: null,
    },
    items,
    released,
    refs: new Map(refs),
  });
  const sole: MessageRef = { messageId: 'm', editable: true };
  const shared: MessageRef = { messageId: 'm', editable: false };

  const rows = readDocTable(
    new URL('../../src/core/delivery/delivery-plan.ts', import.meta.url),
    'planDelivery',
  );
  const cases: Record<string, ClaimedChat> = {
    'released after a hold': claim([item(1, 'opened')], [], true),
    "opening alerts joining the chat's latest alert (`mergeInto`)": {
      ...claim([item(2, 'opened', T0 + 30_000)]),
      mergeInto: { messageId: 'm', events: [item(1, 'opened').event] },
    },
    'several opening alerts': claim([item(1, 'opened'), item(2, 'opened')]),
    'opened / reopened': claim([item(1, 'reopened')], [[1, sole]]),
    'updates or recoveries of a grouped alert (`conversation`)': {
      ...claim([item(1, 'updated')], [[1, shared]]),
      conversation: { messageId: 'm', shown: [item(1, 'opened').event, item(2, 'opened').event] },
    },
    "more recoveries of it while its recovery reply is the chat's last message (`recoveryReply`)": {
      ...claim([item(2, 'resolved', T0 + 40_000)], [[2, { messageId: 'a', editable: false }]]),
      conversation: {
        messageId: 'a',
        shown: [item(1, 'resolved').event, item(2, 'opened').event],
        recoveryReply: { messageId: 'm', events: [item(1, 'resolved').event] },
      },
    },
    'recoveries of incidents first shown in one summary': claim(
      [item(1, 'resolved'), item(2, 'resolved')],
      [
        [1, shared],
        [2, shared],
      ],
    ),
    'updated, the alert shows only this incident': claim([item(1, 'updated')], [[1, sole]]),
    'updated, the alert is a summary': claim([item(1, 'updated')], [[1, shared]]),
    'resolved, the alert was sent': claim([item(1, 'resolved')], [[1, sole]]),
    'updated / resolved, no alert was sent': claim(
      [item(1, 'resolved')],
      [[1, { messageId: null, editable: false }]],
    ),
    'a still-down reminder (`reminder`)': {
      ...claim([item(1, 'opened')], [[1, sole]]),
      reminder: { index: 2, alertMessageId: 'm' },
    },
  };

  it.each(rows)('%s → %s', (situation, job) => {
    const c = cases[situation ?? ''];
    expect(c, `no case for "${situation}"`).toBeDefined();
    const planned = planDelivery(c!);
    expect(job).toContain(`\`${planned.kind}\``);
    if (planned.kind === 'edit') expect(planned.editMessageId).toBe('m');
    if (planned.kind === 'reply') expect(planned.replyToMessageId).toBe('m');
    expect(planned.settings).toEqual({ locale: 'bn', timeZone: 'UTC', mentionRoleId: 'r' });
  });

  it('says in a reminder how long its incident has been down as of now, replying to nothing when no alert was sent', () => {
    const reminder = { ...claim([item(1, 'opened')]), reminder: { index: 0, alertMessageId: null } };
    const job = planDelivery(reminder, T0 + 125 * 60_000);
    expect(job).toMatchObject({ kind: 'reply', reminder: { downForMs: 125 * 60_000 } });
    expect(job.replyToMessageId).toBeUndefined();
    expect(sentSettlement(job, 'r', T0).refs).toEqual([]);
  });

  it('edits the joined alert into one grouped alert of all its events, recorded for every incident', () => {
    const joined = planDelivery({
      ...claim([item(3, 'opened', T0 + 45_000)]),
      mergeInto: { messageId: 'm', events: [item(1, 'opened').event, item(2, 'updated').event] },
    });
    expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'm' });
    expect(joined.events.map((e) => [e.incidentId, e.kind])).toEqual([
      [1, 'opened'],
      [2, 'updated'],
      [3, 'opened'],
    ]);
    // Grouped now: later updates reply to it. A new message (the old one was gone) takes its place.
    const refs = [1, 2, 3].map((incidentId) => ({ incidentId, editable: false, joinable: true }));
    expect(sentSettlement(joined, 'm', T0).refs).toEqual(refs);
    expect(sentSettlement(joined, 'm2', T0)).toMatchObject({ messageId: 'm2', refs });
    // An update's edit of a single alert keeps the reference as it was.
    const update = planDelivery(claim([item(1, 'updated')], [[1, sole]]));
    expect(sentSettlement(update, 'm', T0).refs).toEqual([]);
    const summary = planDelivery(claim([item(1, 'opened')], [], true));
    expect(sentSettlement(summary, 's', T0).refs).toEqual([
      { incidentId: 1, editable: false, joinable: false },
    ]);
  });

  it('groups only opening alerts inside the window, in order', () => {
    const head = item(1, 'opened', T0);
    expect(
      selectGroup(head, [item(2, 'opened', T0 + 60_000), item(3, 'opened', T0 + 60_001)]).map((i) => i.id),
    ).toEqual([1, 2]);
    expect(selectGroup(head, [item(2, 'resolved', T0), item(3, 'opened', T0)]).map((i) => i.id)).toEqual([1]);
    expect(selectGroup(item(1, 'updated'), [item(2, 'opened')]).map((i) => i.id)).toEqual([1]);
  });
});

describe('pacing', () => {
  it('refills a token bucket at its rate', () => {
    const bucket = new TokenBucket({ burst: 20, perMs: 60_000 }, T0);
    for (let i = 0; i < 20; i++) {
      expect(bucket.delay(T0)).toBe(0);
      bucket.take(T0);
    }
    expect(bucket.delay(T0)).toBe(3000);
    expect(bucket.delay(T0 + 3000)).toBe(0);
    bucket.pauseUntil(T0 + 10_000);
    expect(bucket.delay(T0 + 3000)).toBe(7000);
  });

  it('spaces sends to one private Telegram chat a second apart and lets another chat through', async () => {
    const clock = new FakeClock(T0);
    const sleep = fakeSleep(clock);
    const pacer = new Pacer(TELEGRAM_PACING, clock, sleep);
    const sentAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await pacer.acquire('42', 5000)).toBeNull();
      sentAt.push(clock.now());
    }
    expect(sentAt).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(pacer.delay('43')).toBe(0);
  });

  it("replays the sends a previous leader made, so a new leader keeps to the chats' limits", async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer(TELEGRAM_PACING, clock, fakeSleep(clock), { since: T0 - 61_000 });
    // A group got its whole burst of 20 in the last two seconds, a private chat one message just now.
    for (let i = 0; i < 20; i++) pacer.recordSent('-7', T0 - 2000 + i * 100);
    pacer.recordSent('42', T0 - 200);
    // 20 in the group's minute (61 s, with a second of slack): the next one when the first leaves it.
    expect(pacer.delay('-7')).toBe(59_000);
    expect(pacer.delay('42')).toBe(800);
    expect(pacer.delay('43')).toBe(0);
    expect(await pacer.acquire('42', 5000)).toBeNull();
    expect(clock.now()).toBe(T0 + 800);
  });

  it('answers with the time to come back when the wait is longer than allowed', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer(TELEGRAM_PACING, clock, fakeSleep(clock));
    pacer.pauseChat('-7', T0 + 30_000);
    expect(await pacer.acquire('-7', 2000)).toBe(T0 + 30_000);
    pacer.pausePlatform(T0 + 45_000);
    expect(await pacer.acquire('9', 2000)).toBe(T0 + 45_000);
    expect(clock.now()).toBe(T0);
  });
});

describe('joining the latest alert (mergeTarget)', () => {
  const opening = (createdAt: number) => ({ eventKind: 'opened' as const, createdAt });
  /** An incident shown in message `m`, opened at `openedAt`, its latest row `kind` delivered there. */
  const shown = (
    incidentId: number,
    openedAt: number,
    overrides: Partial<ShownIncident['latest']> & { kind?: 'opened' | 'updated' | 'resolved' } = {},
  ): ShownIncident => {
    const { kind = 'opened', ...latest } = overrides;
    return {
      latest: {
        id: incidentId,
        status: 'sent',
        messageId: 'm',
        event: incidentEvent({ incidentId, kind, at: openedAt }),
        ...latest,
      },
      openedAt,
      joinable: true,
    };
  };
  const last = { incidentId: 1, messageId: 'm' };

  it('joins an alert sent 30 s before, and not one sent 70 s before', () => {
    expect(mergeTarget(opening(T0 + 30_000), last, [shown(1, T0)])).toEqual({
      target: { messageId: 'm', events: [incidentEvent({ incidentId: 1 })] },
      room: MAX_GROUP_EVENTS - 1,
      until: T0 + GROUP_WINDOW_MS,
    });
    expect(mergeTarget(opening(T0 + GROUP_WINDOW_MS), last, [shown(1, T0)])).not.toBeNull();
    expect(mergeTarget(opening(T0 + 70_000), last, [shown(1, T0)])).toBeNull();
  });

  it("keeps a group's alert open for its services for 10 minutes, for others 60 s", () => {
    const meta = (createdAt: number, group: string | null) => ({ ...opening(createdAt), event: { group } });
    const instagram = [shown(1, T0)]; // the fixture's events are services of group "meta"
    expect(mergeTarget(meta(T0 + 9 * 60_000, 'meta'), last, instagram)?.until).toBe(
      T0 + SAME_GROUP_WINDOW_MS,
    );
    expect(mergeTarget(meta(T0 + SAME_GROUP_WINDOW_MS + 1, 'meta'), last, instagram)).toBeNull();
    expect(mergeTarget(meta(T0 + 70_000, 'google'), last, instagram)).toBeNull();
    expect(mergeTarget(meta(T0 + 70_000, null), last, instagram)).toBeNull();
    const mixed = [
      shown(1, T0),
      {
        ...shown(2, T0),
        latest: { ...shown(2, T0).latest, event: incidentEvent({ incidentId: 2, group: null }) },
      },
    ];
    expect(mergeTarget(meta(T0 + 70_000, 'meta'), last, mixed)).toBeNull();
  });

  it('measures the window from the first incident of a grouped alert', () => {
    const grouped = [shown(2, T0 + 20_000, { id: 5 }), shown(1, T0, { id: 4 })];
    const merge = mergeTarget(opening(T0 + 45_000), last, grouped);
    expect(merge?.until).toBe(T0 + GROUP_WINDOW_MS);
    expect(merge?.target.events.map((e) => e.incidentId)).toEqual([1, 2]);
    expect(mergeTarget(opening(T0 + 65_000), last, grouped)).toBeNull();
  });

  it('shows an incident as its last edit left it', () => {
    const updated = shown(1, T0, { kind: 'updated', id: 9 });
    expect(mergeTarget(opening(T0 + 30_000), last, [updated])?.target.events).toEqual([updated.latest.event]);
  });

  it.each<[string, ShownIncident[], typeof last]>([
    [
      'one of its incidents recovered',
      [shown(1, T0), shown(2, T0, { kind: 'resolved', messageId: 'r' })],
      last,
    ],
    [
      'a recovery is queued',
      [shown(1, T0), shown(2, T0, { kind: 'resolved', status: 'pending', messageId: null })],
      last,
    ],
    ['an update was replied to it', [shown(1, T0, { kind: 'updated', messageId: 'r' })], last],
    ['it is a summary', [{ ...shown(1, T0), joinable: false }], last],
    ['it is full', Array.from({ length: MAX_GROUP_EVENTS }, (_, i) => shown(i + 1, T0)), last],
    ['another message came after it', [shown(1, T0)], { incidentId: 7, messageId: 'm' }],
    ['its opening alert is gone', [{ ...shown(1, T0), openedAt: null }], last],
  ])('sends a new message when %s', (_why, incidents, lastRow) => {
    expect(mergeTarget(opening(T0 + 30_000), lastRow, incidents)).toBeNull();
  });

  it('never joins anything but an opening alert', () => {
    expect(mergeTarget({ eventKind: 'updated', createdAt: T0 + 1 }, last, [shown(1, T0)])).toBeNull();
    expect(mergeTarget(opening(T0 + 1), { incidentId: 1, messageId: null }, [shown(1, T0)])).toBeNull();
  });
});
