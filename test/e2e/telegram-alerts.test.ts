/**
 * `npm start` with Telegram enabled, against the local Bot API: start-up (token check, command
 * menus in every language), an outage of a local HTTP target as one alert with its buttons and
 * the recovery as a reply with the duration, Bengali and Hindi chats, blocked and migrated chats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

/** https://www.w3.org/TR/png/#5PNG-file-signature */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function opsGroup(w: TelegramWorld, type: 'group' | 'supergroup' = 'group'): number {
  const creator = w.fake.createUser({ first_name: 'Owner' });
  return w.fake.createChat({ type, title: 'Ops', creator }).id;
}

describe.each(BACKENDS)('Telegram alerts end to end (%s)', (backend) => {
  // On PostgreSQL too: the alert and its recovery as a reply (incident, outbox rows, the stored message
  // reference); the other cases' settings, reports and deactivations use the same stores, whose contract
  // suites (test/db) run on both backends.
  it('registers the menus, posts the outage with buttons and the recovery as a reply', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const groupId = opsGroup(world);
    await world.subscribe(groupId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);
    const names = [
      'start',
      'help',
      'subscribe',
      'unsubscribe',
      'subscriptions',
      'status',
      'incidents',
      'report',
      'services',
      'settings',
      'silence',
      'monitor',
      'watch',
      'note',
      'board',
      'maintenance',
    ];
    await fake.waitFor(() => fake.commands(undefined, 'bn'));
    expect(fake.commands()?.map((c) => c.command)).toEqual(names);
    expect(fake.commands(undefined, 'bn')?.map((c) => c.command)).toEqual(names);
    expect(fake.commands(undefined, 'bn')?.[1]?.description).toBe('এই বট কীভাবে ব্যবহার করবেন');
    await fake.waitFor(() => fake.commands(undefined, 'hi'));
    expect(fake.commands(undefined, 'hi')?.map((c) => c.command)).toEqual(names);
    expect(fake.commands(undefined, 'hi')?.[1]?.description).toBe('इस बॉट का इस्तेमाल कैसे करें');

    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(groupId)[0], 20_000);
    expect(alert.text).toMatch(/^🔴 Our site is down/);
    expect(alert.parseMode).toBe('HTML');
    expect(alert.replyMarkup).toMatchObject({
      inline_keyboard: [[{ callback_data: 'r:site' }, { callback_data: 'm:site' }]],
    });

    target.up = true;
    const recovery = await fake.waitFor(() => fake.messages(groupId)[1], 20_000);
    expect(recovery.text).toMatch(/Our site is back up after /);
    expect(recovery.replyToMessageId).toBe(alert.messageId);
    expect(fake.messages(groupId)).toHaveLength(2);
  });
});

// Storage as in the case above, on SQLite only (to keep the suite's time down).
describe('Telegram alerts end to end (sqlite)', () => {
  const backend = 'sqlite' as const;
  it('edits the alert with an operator’s /note, hostile text kept as text', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const operator = fake.createUser({ first_name: 'Ops' });
    const groupId = fake.createChat({ type: 'group', title: 'Ops', creator: operator }).id;
    await world.subscribe(groupId, 'site');
    const bot = world.startBot({ OPERATORS: `telegram:${operator.id}` });
    await bot.waitForLine(/status API on/);
    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(groupId)[0], 20_000);
    expect(alert.text).toMatch(/^🔴 Our site is down/);

    fake.sendUserMessage(groupId, operator, '/note site identified: bad deploy <b>@everyone</b>');
    const noted = await fake.waitFor(
      () => fake.messages(groupId).find((m) => m.messageId === alert.messageId && /Note/.test(m.text)),
      20_000,
    );
    expect(noted.text).toContain('Note (identified): bad deploy <b>@everyone</b>');
    expect(noted.sourceText).toContain('bad deploy &lt;b&gt;@everyone&lt;/b&gt;');
    expect(noted.edits.length).toBeGreaterThan(0);
    expect(
      fake.messages(groupId).some((m) => /Note added to the ongoing Our site incident/.test(m.text)),
    ).toBe(true);
  });

  it('answers commands in the running bot: subscribe, status with its chart, admins only, and a report button', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const owner = fake.createUser({ first_name: 'Owner' });
    const member = fake.createUser({ first_name: 'Member' });
    const groupId = fake.createChat({ type: 'group', title: 'Ops', creator: owner, members: [member] }).id;
    const bot = world.startBot();
    const started = await bot.waitForLine(/status API on/);

    fake.sendUserMessage(groupId, member, '/subscribe site');
    const refusal = await fake.waitFor(() => fake.messages(groupId)[0]);
    expect(refusal.text).toBe('Only admins of this chat can do that.');
    expect(await world.subscriptions(groupId)).toEqual([]);

    fake.sendUserMessage(groupId, owner, '/subscribe site');
    const done = await fake.waitFor(() => fake.messages(groupId)[1]);
    expect(done.text).toMatch(/^This chat now gets alerts for Our site/);
    expect((await world.subscriptions(groupId)).map((s) => s.serviceId)).toEqual(['site']);

    const asked = fake.sendUserMessage(groupId, member, '/status site');
    const status = await fake.waitFor(() => fake.messages(groupId)[2]);
    expect(status.text).toMatch(/^Our site: /);
    // The 24-hour chart follows the text as a photo replying to the same command.
    const chart = await fake.waitFor(() => fake.messages(groupId)[3]);
    expect(chart).toMatchObject({ kind: 'photo', replyToMessageId: asked.message_id });
    expect(chart.photo?.bytes.subarray(0, PNG_SIGNATURE.length)).toEqual(PNG_SIGNATURE);
    expect(chart.photo?.bytes.length).toBeGreaterThan(1_000);

    target.up = false;
    const alert = await fake.waitFor(
      () => fake.messages(groupId).find((m) => /is down/.test(m.text)),
      20_000,
    );
    const queryId = fake.pressButton(groupId, alert.messageId, member, 'r:site');
    const answer = await fake.waitFor(() => fake.callbackQuery(queryId)?.answer);
    expect(answer.text).toMatch(/Our site/);
    const again = fake.pressButton(groupId, alert.messageId, member, 'r:site');
    expect((await fake.waitFor(() => fake.callbackQuery(again)?.answer)).text).toMatch(/already reported/);

    // /metrics counts what happened: the alert delivered, the two presses (counted, duplicate).
    const api = /(http:\/\/\S+)\/api\/services/.exec(started)?.[1];
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/incident_bot_deliveries_total\{platform="telegram",outcome="sent"\} [1-9]/);
    expect(metrics).toMatch(/incident_bot_reports_received_total\{service="site",outcome="counted"\} 1\b/);
    expect(metrics).toMatch(/incident_bot_reports_received_total\{service="site",outcome="duplicate"\} 1\b/);
  });

  it('speaks Hindi to a chat an admin switched with /settings language hi', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const owner = fake.createUser({ first_name: 'Owner' });
    const groupId = fake.createChat({ type: 'group', title: 'Ops', creator: owner }).id;
    await world.subscribe(groupId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.sendUserMessage(groupId, owner, '/settings language hi');
    const saved = await fake.waitFor(() => fake.messages(groupId)[0]);
    expect(saved.text).toMatch(/^सेटिंग्स सेव हो गईं।\nभाषा: हिन्दी/);

    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(groupId)[1], 20_000);
    expect(alert.text).toMatch(/Our site बंद है/);
    expect(alert.text).toMatch(/HTTP ५०३/);
    expect(alert.text).not.toMatch(/is down/);
  });

  it('deactivates a chat that blocked the bot and one it was removed from', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const user = fake.createUser({ first_name: 'Rina' });
    const privateId = fake.createChat({ type: 'private', user }).id;
    const groupId = opsGroup(world);
    const keptId = opsGroup(world);
    for (const id of [privateId, groupId, keptId]) await world.subscribe(id, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.removeBotFromChat(groupId);
    await waitUntil(async () => (await world?.chat(groupId))?.active === false);
    expect((await world.chat(groupId))?.deactivatedReason).toMatch(/removed from the chat/);

    fake.blockBot(privateId);
    target.up = false;
    await fake.waitFor(() => fake.messages(keptId)[0], 20_000);
    await waitUntil(async () => (await world?.chat(privateId))?.active === false);
    expect((await world.chat(privateId))?.deactivatedReason).toMatch(/blocked/);
    expect(fake.messages(groupId)).toEqual([]);
  });

  it('follows a group upgraded to a supergroup', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const groupId = opsGroup(world);
    await world.subscribe(groupId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);
    const superId = fake.migrateGroup(groupId);
    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(superId)[0], 20_000);
    expect(alert.text).toMatch(/Our site is down/);
    expect((await world.subscriptions(superId)).map((s) => s.serviceId)).toEqual(['site']);
    expect(await world.chat(groupId)).toBeNull();
  });
});

// Start-up's token check touches no storage; a stored language is read as the cases above read it.
describe('Telegram alerts end to end (sqlite)', () => {
  it('stops start-up with a clear message when the token is rejected', async () => {
    world = await startTelegramWorld();
    const bot = world.startBot({ TELEGRAM_BOT_TOKEN: '42:rejected-token' });
    expect(await bot.exited()).toBe(1);
    const output = `${bot.stdout.join('\n')}\n${bot.stderr}`;
    expect(output).toMatch(/Telegram rejected TELEGRAM_BOT_TOKEN \(401 Unauthorized\)/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain('rejected-token');
  });

  it('speaks Bengali to a Bengali chat', async () => {
    world = await startTelegramWorld();
    const { fake, target } = world;
    const groupId = opsGroup(world);
    await world.subscribe(groupId, 'site');
    await world.updateSettings(groupId, { locale: 'bn' });
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);
    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(groupId)[0], 20_000);
    expect(alert.text).toMatch(/[\u0980-\u09FF]/);
    expect(alert.text).not.toMatch(/is down/);
  });
});
