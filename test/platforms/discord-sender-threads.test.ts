/**
 * DiscordSender's incident threads against the local Discord with the real @discordjs/rest client:
 * a thread started from a single-incident alert, the update and the recovery posted in it, the
 * thread archived after the recovery, and a refused thread that leaves the alert delivered.
 */
import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { DiscordSender } from '../../src/platforms/discord/discord-sender.js';
import { DISCORD_REST_OPTIONS } from '../../src/platforms/discord/discord-rest.js';
import { type FakeDiscord, PermissionBits, startFakeDiscord } from '../fakes/discord/index.js';
import { incidentEvent } from '../dispatch/delivery-fixtures.js';

const fakes: FakeDiscord[] = [];
const rests: REST[] = [];

afterEach(async () => {
  for (const rest of rests.splice(0)) {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const ALERT_BOT =
  PermissionBits.ViewChannel |
  PermissionBits.SendMessages |
  PermissionBits.SendMessagesInThreads |
  PermissionBits.EmbedLinks |
  PermissionBits.ReadMessageHistory;

async function world(botPermissions: bigint): Promise<{
  fake: FakeDiscord;
  alertsId: string;
  sender: DiscordSender;
  debug: string[];
}> {
  const fake = await startFakeDiscord({ onUnknownRoute: () => undefined });
  fakes.push(fake);
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }],
    everyonePermissions: '0',
    botPermissions: botPermissions.toString(),
  });
  const rest = new REST({ api: fake.restUrl, retries: 0, ...DISCORD_REST_OPTIONS }).setToken(fake.token);
  rests.push(rest);
  const debug: string[] = [];
  const log = { debug: (_fields: object, message: string) => void debug.push(message) };
  const alertsId = guild.channels.alerts;
  if (alertsId === undefined) throw new Error('no alerts channel');
  return { fake, alertsId, sender: new DiscordSender(rest, { log }), debug };
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
});
