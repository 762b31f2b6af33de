/**
 * DiscordSender against the local Discord with the real @discordjs/rest client: what each job kind
 * sends, and how every failure is classified.
 */
import { DiscordAPIError, REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { classifyDiscordError } from '../../src/platforms/discord/discord-errors.js';
import { DiscordSender } from '../../src/platforms/discord/discord-sender.js';
import { DISCORD_REST_OPTIONS } from '../../src/platforms/discord/discord-rest.js';
import { type FakeDiscord, type FakeGuild, startFakeDiscord } from '../fakes/discord/index.js';
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

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

async function world(): Promise<{
  fake: FakeDiscord;
  guild: FakeGuild;
  alertsId: string;
  sender: DiscordSender;
  rest: REST;
}> {
  const fake = await startFakeDiscord({ onUnknownRoute: () => undefined });
  fakes.push(fake);
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }],
    roles: [{ name: 'oncall', permissions: '0' }],
  });
  const rest = new REST({ api: fake.restUrl, retries: 0, ...DISCORD_REST_OPTIONS }).setToken(fake.token);
  rests.push(rest);
  return {
    fake,
    guild,
    alertsId: must(guild.channels.alerts, 'alerts'),
    sender: new DiscordSender(rest),
    rest,
  };
}

const signal = () => AbortSignal.timeout(5_000);

function job(chatId: string, overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    chatId,
    kind: 'send',
    events: [incidentEvent()],
    settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
    ...overrides,
  };
}

const resolved = incidentEvent({ kind: 'resolved', status: 'up', at: incidentEvent().at + 45 * 60_000 });

describe('DiscordSender', () => {
  it('sends an alert as one embed with both buttons and no mention allowed', async () => {
    const { fake, alertsId, sender } = await world();
    const result = await sender.deliver(job(alertsId), signal());
    const [message] = fake.messagesIn(alertsId);
    expect(result).toEqual({ kind: 'sent', messageId: message?.id });
    expect(message?.content).toBe('');
    expect(message?.embeds).toMatchObject([{ title: 'WhatsApp is down', color: 0xe74c3c }]);
    expect(message?.components).toMatchObject([
      { components: [{ label: "I'm affected too" }, { label: 'Mute 1 hour' }] },
    ]);
    expect(message?.allowedMentions).toEqual({ parse: [] });
  });

  it("pings only the chat's role, and only for a major outage", async () => {
    const { fake, guild, alertsId, sender } = await world();
    const role = must(guild.roles.oncall, 'role');
    const settings = { locale: 'en' as const, timeZone: 'UTC', mentionRoleId: role };
    await sender.deliver(job(alertsId, { settings }), signal());
    const minor = incidentEvent({ incidentId: 2, severity: 'minor', status: 'degraded' });
    await sender.deliver(job(alertsId, { settings, events: [minor] }), signal());
    const [major, degraded] = fake.messagesIn(alertsId);
    expect(major?.content).toBe(`<@&${role}>`);
    expect(major?.allowedMentions).toEqual({ parse: [], roles: [role] });
    expect(degraded?.content).toBe('');
    expect(degraded?.allowedMentions).toEqual({ parse: [] });
  });

  it('sends a still-down reminder as a reply to the alert, pinging only the role the chat chose', async () => {
    const { fake, guild, alertsId, sender } = await world();
    const role = must(guild.roles.oncall, 'role');
    const first = await sender.deliver(job(alertsId), signal());
    const alertId = first.kind === 'sent' ? first.messageId : '';
    const reminder = (mentionRoleId: string | null) =>
      job(alertsId, {
        kind: 'reply',
        replyToMessageId: alertId,
        events: [incidentEvent({ serviceName: 'What*sApp @everyone' })],
        reminder: { downForMs: 125 * 60_000 },
        settings: { locale: 'en', timeZone: 'UTC', mentionRoleId },
      });
    expect((await sender.deliver(reminder(role), signal())).kind).toBe('sent');
    expect((await sender.deliver(reminder(null), signal())).kind).toBe('sent');
    const [, pinged, plain] = fake.messagesIn(alertsId);
    expect(pinged?.messageReference).toMatchObject({ message_id: alertId });
    expect(pinged?.content).toMatch(
      new RegExp(`^<@&${role}> Reminder: What\\\\\\*sApp @\u200beveryone is still down, for 2`),
    );
    expect(pinged?.allowedMentions).toEqual({ parse: [], roles: [role] });
    expect(pinged?.embeds).toEqual([]);
    expect(pinged?.components).toEqual([]);
    expect(plain?.content).toMatch(/^Reminder: /);
    expect(plain?.allowedMentions).toEqual({ parse: [] });
  });

  it('edits the alert in place, clearing a ping it no longer needs', async () => {
    const { fake, guild, alertsId, sender } = await world();
    const role = must(guild.roles.oncall, 'role');
    const settings = { locale: 'en' as const, timeZone: 'UTC', mentionRoleId: role };
    const first = await sender.deliver(job(alertsId, { settings }), signal());
    const messageId = first.kind === 'sent' ? first.messageId : '';
    const update = incidentEvent({ kind: 'updated', status: 'degraded' });
    const edited = await sender.deliver(
      job(alertsId, { settings, kind: 'edit', editMessageId: messageId, events: [update] }),
      signal(),
    );
    expect(edited).toEqual({ kind: 'sent', messageId });
    const messages = fake.messagesIn(alertsId);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.embeds).toMatchObject([{ title: 'Update: WhatsApp is having problems' }]);
    expect(messages[0]?.content).toBe('');
    expect(messages[0]?.edits).toHaveLength(1);
  });

  it('sends a new message when the alert to edit was deleted (10008)', async () => {
    const { fake, alertsId, sender, rest } = await world();
    const first = await sender.deliver(job(alertsId), signal());
    const oldId = first.kind === 'sent' ? first.messageId : '';
    await rest.delete(`/channels/${alertsId}/messages/${oldId}`);
    const update = incidentEvent({ kind: 'updated', status: 'degraded' });
    const result = await sender.deliver(
      job(alertsId, { kind: 'edit', editMessageId: oldId, events: [update] }),
      signal(),
    );
    const live = fake.messagesIn(alertsId).filter((m) => !m.deleted);
    expect(live).toHaveLength(1);
    expect(result).toEqual({ kind: 'sent', messageId: live[0]?.id });
    expect(live[0]?.id).not.toBe(oldId);
  });

  it('edits an alert into the grouped alert of all its services, or sends that anew when it was deleted', async () => {
    const { fake, alertsId, sender, rest } = await world();
    const first = await sender.deliver(job(alertsId), signal());
    const messageId = first.kind === 'sent' ? first.messageId : '';
    const instagram = incidentEvent({ incidentId: 2, serviceId: 'instagram', serviceName: 'Instagram' });
    const joined = job(alertsId, {
      kind: 'edit',
      editMessageId: messageId,
      events: [incidentEvent(), instagram],
    });
    expect(await sender.deliver(joined, signal())).toEqual({ kind: 'sent', messageId });
    const [edited] = fake.messagesIn(alertsId);
    expect(edited?.edits).toHaveLength(1);
    expect(edited?.embeds).toMatchObject([{ title: expect.stringMatching(/^Meta services: /) }]);
    expect(JSON.stringify(edited?.embeds)).toMatch(/Instagram[^]*WhatsApp|WhatsApp[^]*Instagram/);

    await rest.delete(`/channels/${alertsId}/messages/${messageId}`);
    const anew = await sender.deliver(joined, signal());
    const live = fake.messagesIn(alertsId).filter((m) => !m.deleted);
    expect(live).toHaveLength(1);
    expect(anew).toEqual({ kind: 'sent', messageId: live[0]?.id });
    expect(live[0]?.embeds).toMatchObject([{ title: expect.stringMatching(/^Meta services: /) }]);
  });

  it('replies to the alert with the recovery and its duration, even when the alert is gone', async () => {
    const { fake, alertsId, sender, rest } = await world();
    const first = await sender.deliver(job(alertsId), signal());
    const alertId = first.kind === 'sent' ? first.messageId : '';
    const reply = await sender.deliver(
      job(alertsId, { kind: 'reply', replyToMessageId: alertId, events: [resolved] }),
      signal(),
    );
    expect(reply.kind).toBe('sent');
    const recovery = fake.messagesIn(alertsId)[1];
    expect(recovery?.messageReference).toMatchObject({ message_id: alertId });
    expect(recovery?.embeds).toMatchObject([
      { title: 'WhatsApp is back up after 45 minutes', color: 0x2ecc71 },
    ]);
    expect(recovery?.components).toEqual([]);

    await rest.delete(`/channels/${alertsId}/messages/${alertId}`);
    const again = await sender.deliver(
      job(alertsId, { kind: 'reply', replyToMessageId: alertId, events: [resolved] }),
      signal(),
    );
    expect(again.kind).toBe('sent');
  });

  it('sends a held backlog as one plain summary', async () => {
    const { fake, alertsId, sender } = await world();
    const events = [incidentEvent(), resolved, incidentEvent({ incidentId: 2, serviceName: 'GitHub' })];
    const result = await sender.deliver(job(alertsId, { kind: 'summary', events }), signal());
    expect(result.kind).toBe('sent');
    const [summary] = fake.messagesIn(alertsId);
    expect(summary?.content).toMatch(/^While you were in quiet hours: 2 incidents\n/);
    expect(summary?.content).toMatch(/WhatsApp/);
    expect(summary?.content).toMatch(/GitHub/);
    expect(summary?.allowedMentions).toEqual({ parse: [] });
  });

  it('waits out a 429 inside discord.js and still delivers: no rate-limited result, no second layer', async () => {
    const { fake, alertsId, sender } = await world();
    fake.storm({ requests: 2, retryAfterMs: 50 });
    expect((await sender.deliver(job(alertsId), signal())).kind).toBe('sent');
    expect(fake.rateLimitedCount).toBe(2);
    expect(fake.messagesIn(alertsId)).toHaveLength(1);
  });

  it('hands a long 429 back to the outbox as rate-limited instead of holding the delivery', async () => {
    const { fake, alertsId, sender } = await world();
    fake.storm({ requests: 1, retryAfterMs: 30_000 });
    const result = await sender.deliver(job(alertsId), signal());
    expect(result).toMatchObject({ kind: 'rate-limited', global: false });
    // discord.js adds its small clock offset (50 ms by default) to the server's retry_after.
    const retryAfterMs = result.kind === 'rate-limited' ? result.retryAfterMs : 0;
    expect(retryAfterMs).toBeGreaterThanOrEqual(30_000);
    expect(retryAfterMs).toBeLessThan(31_000);
    expect(fake.messagesIn(alertsId)).toEqual([]);
  });

  it('classifies Unknown Channel, Missing Access and Missing Permissions as permanent', async () => {
    const { fake, guild, sender } = await world();
    const [gone, hidden, mute] = ['gone', 'hidden', 'mute'].map((name) =>
      fake.addChannel(guild.id, { name }),
    );
    if (gone === undefined || hidden === undefined || mute === undefined) throw new Error('no channels');
    fake.deleteChannel(gone);
    fake.revokeAccess(hidden);
    fake.revokeSendPermission(mute);
    expect(await sender.deliver(job(gone), signal())).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/^Unknown Channel \(10003\)/),
    });
    expect(await sender.deliver(job(hidden), signal())).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/^Missing Access \(50001\)/),
    });
    expect(await sender.deliver(job(mute), signal())).toEqual({
      kind: 'permanent',
      reason: expect.stringMatching(/^Missing Permissions \(50013\)/),
    });
  });

  it('classifies a request refused for our own fault (50035) as transient, never as a dead chat', () => {
    const invalid = new DiscordAPIError(
      { code: 50035, message: 'Invalid Form Body' },
      50035,
      400,
      'POST',
      '/channels/1/messages',
      {},
    );
    expect(classifyDiscordError(invalid)).toEqual({
      kind: 'transient',
      error: 'Discord 400 code 50035: Invalid Form Body',
    });
  });

  it('classifies an unreachable API and an aborted call as transient, without throwing', async () => {
    const { fake, alertsId, sender } = await world();
    const aborted = new AbortController();
    aborted.abort();
    expect(await sender.deliver(job(alertsId), aborted.signal)).toMatchObject({ kind: 'transient' });
    await fake.close();
    expect(await sender.deliver(job(alertsId), signal())).toMatchObject({
      kind: 'transient',
      error: expect.stringMatching(/fetch failed|ECONNREFUSED/),
    });
  });
});

describe('DiscordSender boards', () => {
  it('posts a board as escaped text without mentions, edits it, and calls a deleted one gone', async () => {
    const { fake, alertsId, sender, rest } = await world();
    const boards = must(sender.boards, 'boards');
    const text = 'Live status\n🔴 **Shop** @everyone: down';
    const posted = await boards.post(alertsId, null, text, signal());
    const messageId = posted.kind === 'sent' ? posted.messageId : '';
    const [message] = fake.messagesIn(alertsId);
    expect(message?.content).toBe('Live status\n🔴 \\*\\*Shop\\*\\* @\u200beveryone: down');
    expect(message?.allowedMentions).toEqual({ parse: [] });

    expect(await boards.edit(alertsId, messageId, 'Live status\n✅ Shop: operational', signal())).toEqual({
      kind: 'sent',
      messageId,
    });
    expect(fake.messagesIn(alertsId)[0]?.content).toBe('Live status\n✅ Shop: operational');

    await rest.delete(`/channels/${alertsId}/messages/${messageId}`);
    expect(await boards.edit(alertsId, messageId, 'Live status', signal())).toEqual({ kind: 'gone' });
    // The local Discord has no pins: the refusal is returned, never thrown.
    expect(await boards.pin(alertsId, messageId, signal())).toEqual(expect.any(String));
  });
});
