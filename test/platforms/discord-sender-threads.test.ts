/**
 * DiscordSender's incident threads against the local Discord with the real @discordjs/rest client:
 * a thread started from a single-incident alert, the update and the recovery posted in it, the
 * thread archived after the recovery, and a refused thread that leaves the alert delivered; a
 * grouped alert's thread, named for the group, archived only by the job that closes it; a
 * reminder posted in the thread alone; a deleted thread (10003) that leaves the job to the
 * channel, then a new thread started from the alert, or none when the alert is gone too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { DiscordSender } from '../../src/platforms/discord/discord-sender.js';
import { DISCORD_REST_OPTIONS } from '../../src/platforms/discord/discord-rest.js';
import { type FakeDiscord, PermissionBits } from '../fakes/discord/index.js';
import { incidentEvent } from '../dispatch/delivery-fixtures.js';
import { THREAD_BOT as ALERT_BOT, closeThreadWorlds, threadWorld } from '../helpers/discord-thread-world.js';

afterAll(closeThreadWorlds);

async function world(botPermissions: bigint): Promise<{
  fake: FakeDiscord;
  alertsId: string;
  sender: DiscordSender;
  debug: string[];
}> {
  const { fake, rest, channelId } = await threadWorld(botPermissions, DISCORD_REST_OPTIONS);
  const debug: string[] = [];
  const log = { debug: (_fields: object, message: string) => void debug.push(message) };
  return { fake, alertsId: channelId, sender: new DiscordSender(rest, { log }), debug };
}

const signal = () => AbortSignal.timeout(5_000);
const opened = incidentEvent({ startedAt: Date.UTC(2026, 2, 19, 17, 15), at: Date.UTC(2026, 2, 19, 17, 15) });
const updated = { ...opened, kind: 'updated' as const, status: 'degraded' as const, at: opened.at + 60_000 };
const resolved = { ...opened, kind: 'resolved' as const, status: 'up' as const, at: opened.at + 45 * 60_000 };

function job(chatId: string, overrides: Partial<DeliveryJob>): DeliveryJob {
  return {
    chatId,
    kind: 'send',
    events: [opened],
    settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
    ...overrides,
  };
}

describe('DiscordSender incident threads', () => {
  it('starts a thread from the alert, posts the update and the recovery there, then archives it', async () => {
    const { fake, alertsId, sender } = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const sent = await sender.deliver(job(alertsId, { startThread: true }), signal());
    if (sent.kind !== 'sent') throw new Error(`not sent: ${sent.kind}`);
    expect(sent.alertThreadId).toBe(sent.messageId);
    const thread = fake.threadOf(sent.messageId);
    expect(thread?.name).toBe('WhatsApp outage — Mar 19, 5:15 PM');
    expect(thread?.thread?.autoArchiveDuration).toBe(1440);

    const threadId = sent.messageId;
    const edit = job(alertsId, {
      kind: 'edit',
      events: [updated],
      editMessageId: sent.messageId,
      alertThreadId: threadId,
    });
    expect(await sender.deliver(edit, signal())).toEqual({ kind: 'sent', messageId: sent.messageId });
    const reply = job(alertsId, {
      kind: 'reply',
      events: [resolved],
      replyToMessageId: sent.messageId,
      alertThreadId: threadId,
      closesThread: true,
    });
    expect((await sender.deliver(reply, signal())).kind).toBe('sent');

    const inThread = fake.messagesIn(threadId);
    expect(inThread.map((m) => (m.embeds[0] as { title?: string } | undefined)?.title)).toEqual([
      'Update: WhatsApp is having problems',
      expect.stringMatching(/^WhatsApp is back up/),
    ]);
    expect(inThread.every((m) => m.content === '' && m.components.length === 0)).toBe(true);
    expect(inThread[0]?.allowedMentions).toEqual({ parse: [] });
    // The channel keeps today's behaviour: the alert edited in place, the recovery a reply to it.
    const [alert, recovery] = fake.messagesIn(alertsId);
    expect(alert?.edits).toHaveLength(1);
    expect(recovery?.messageReference).toMatchObject({ message_id: sent.messageId });
    expect(fake.threadOf(threadId)?.thread?.archived).toBe(true);
  });

  it('delivers the alert without a thread when Discord refuses one (50013), logging at debug', async () => {
    const refused = await world(ALERT_BOT);
    const sent = await refused.sender.deliver(job(refused.alertsId, { startThread: true }), signal());
    expect(sent).toEqual({ kind: 'sent', messageId: refused.fake.messagesIn(refused.alertsId)[0]?.id });
    expect(refused.debug).toEqual(['incident thread not started: the alert stands without one']);
  });

  it('skips a thread that refuses the update (archived by hand: 50083) and still edits the alert', async () => {
    const { fake, alertsId, sender, debug } = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const sent = await sender.deliver(job(alertsId, { startThread: true }), signal());
    if (sent.kind !== 'sent' || sent.alertThreadId === undefined) throw new Error('no thread');
    const thread = fake.threadOf(sent.alertThreadId);
    if (thread?.thread === undefined) throw new Error('no thread in the fake');
    thread.thread.archived = true;
    const edit = job(alertsId, {
      kind: 'edit',
      events: [updated],
      editMessageId: sent.messageId,
      alertThreadId: sent.alertThreadId,
    });
    expect(await sender.deliver(edit, signal())).toEqual({ kind: 'sent', messageId: sent.messageId });
    expect(fake.messagesIn(sent.alertThreadId)).toEqual([]);
    expect(fake.messagesIn(alertsId)[0]?.edits).toHaveLength(1);
    expect(debug).toEqual(['incident thread refused the update: skipped']);
  });

  const whatsApp = opened;
  const instagram = incidentEvent({
    incidentId: 2,
    serviceId: 'instagram',
    serviceName: 'Instagram',
    startedAt: opened.startedAt + 30_000,
    at: opened.at + 30_000,
  });
  const titles = (fake: FakeDiscord, channelId: string) =>
    fake
      .messagesIn(channelId)
      .filter((m) => !m.deleted)
      .map((m) => (m.embeds[0] as { title?: string } | undefined)?.title ?? m.content);

  it('starts a grouped alert its thread, named for the group, and archives it only when the last recovers', async () => {
    const { fake, alertsId, sender } = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const sent = await sender.deliver(
      job(alertsId, { events: [whatsApp, instagram], startThread: true }),
      signal(),
    );
    if (sent.kind !== 'sent' || sent.alertThreadId === undefined) throw new Error('no thread');
    expect(fake.threadOf(sent.alertThreadId)?.name).toBe('Meta outage — Mar 19, 5:15 PM');
    const other = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const mixed = { ...instagram, group: null };
    const unnamed = await other.sender.deliver(
      job(other.alertsId, { events: [whatsApp, mixed], startThread: true }),
      signal(),
    );
    if (unnamed.kind !== 'sent') throw new Error('not sent');
    expect(other.fake.threadOf(unnamed.messageId)?.name).toBe('WhatsApp, Instagram outage — Mar 19, 5:15 PM');

    const thread = sent.alertThreadId;
    const first = job(alertsId, {
      kind: 'reply',
      events: [{ ...instagram, kind: 'resolved', status: 'up', at: instagram.at + 600_000 }],
      replyToMessageId: sent.messageId,
      alertThreadId: thread,
    });
    expect((await sender.deliver(first, signal())).kind).toBe('sent');
    expect(fake.threadOf(thread)?.thread?.archived).toBe(false);
    const last = { ...first, events: [resolved], closesThread: true as const };
    expect((await sender.deliver(last, signal())).kind).toBe('sent');
    expect(titles(fake, thread)).toEqual([
      expect.stringMatching(/^Instagram is back up/),
      expect.stringMatching(/^WhatsApp is back up/),
    ]);
    expect(fake.threadOf(thread)?.thread?.archived).toBe(true);
  });

  it('posts a reminder in the thread alone, pinging the role as in the channel; a refusing thread leaves it to the channel', async () => {
    const { fake, alertsId, sender } = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const sent = await sender.deliver(job(alertsId, { startThread: true }), signal());
    if (sent.kind !== 'sent' || sent.alertThreadId === undefined) throw new Error('no thread');
    const role = '900000000000000001';
    const reminder = job(alertsId, {
      kind: 'reply',
      replyToMessageId: sent.messageId,
      alertThreadId: sent.alertThreadId,
      reminder: { downForMs: 2 * 3_600_000 },
      settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: role },
    });
    const out = await sender.deliver(reminder, signal());
    const [inThread] = fake.messagesIn(sent.alertThreadId);
    expect(out).toEqual({ kind: 'sent', messageId: inThread?.id });
    expect(inThread?.content).toBe(`<@&${role}> Reminder: WhatsApp is still down, for 2 hours so far`);
    expect(inThread?.allowedMentions).toEqual({ parse: [], roles: [role] });
    expect(inThread?.messageReference).toBeUndefined();
    expect(fake.messagesIn(alertsId)).toHaveLength(1);

    const thread = fake.threadOf(sent.alertThreadId);
    if (thread?.thread === undefined) throw new Error('no thread in the fake');
    thread.thread.archived = true;
    expect((await sender.deliver(reminder, signal())).kind).toBe('sent');
    expect(fake.messagesIn(alertsId)[1]?.messageReference).toMatchObject({ message_id: sent.messageId });
  });

  it('leaves a job whose thread was deleted to the channel, then starts a new thread from the alert', async () => {
    const { fake, alertsId, sender, debug } = await world(ALERT_BOT | PermissionBits.CreatePublicThreads);
    const sent = await sender.deliver(job(alertsId, { startThread: true }), signal());
    if (sent.kind !== 'sent' || sent.alertThreadId === undefined) throw new Error('no thread');
    fake.deleteThread(sent.alertThreadId);
    const reminder = job(alertsId, {
      kind: 'reply',
      replyToMessageId: sent.messageId,
      alertThreadId: sent.alertThreadId,
      reminder: { downForMs: 3_600_000 },
    });
    const out = await sender.deliver(reminder, signal());
    // As without threads: a reply to the alert in the channel.
    const [, inChannel] = fake.messagesIn(alertsId);
    expect(out).toEqual({ kind: 'sent', messageId: inChannel?.id, alertThread: 'gone' });
    expect(inChannel?.messageReference).toMatchObject({ message_id: sent.messageId });
    expect(debug).toEqual([
      'incident thread deleted: the update goes to the channel, the next one starts a new thread',
    ]);

    const edit = job(alertsId, {
      kind: 'edit',
      events: [updated],
      editMessageId: sent.messageId,
      alertThreadId: sent.alertThreadId,
      restartThread: { alertMessageId: sent.messageId },
    });
    expect(await sender.deliver(edit, signal())).toEqual({
      kind: 'sent',
      messageId: sent.messageId,
      alertThreadId: sent.messageId,
    });
    expect(fake.threadOf(sent.messageId)?.deleted).toBe(false);
    expect(titles(fake, sent.messageId)).toEqual(['Update: WhatsApp is having problems']);

    // The alert deleted as well: no new thread, the recovery replies in the channel as without.
    fake.deleteThread(sent.messageId);
    const alert = fake.messagesIn(alertsId)[0];
    if (alert === undefined) throw new Error('no alert');
    alert.deleted = true;
    const recovery = job(alertsId, {
      kind: 'reply',
      events: [resolved],
      replyToMessageId: sent.messageId,
      alertThreadId: sent.messageId,
      restartThread: { alertMessageId: sent.messageId },
      closesThread: true,
    });
    const last = await sender.deliver(recovery, signal());
    expect(last).toMatchObject({ kind: 'sent', alertThread: 'dropped' });
    expect(titles(fake, alertsId).at(-1)).toMatch(/^WhatsApp is back up/);
    expect(titles(fake, sent.messageId)).toEqual([]);
  });
});
