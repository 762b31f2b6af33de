/**
 * The local Discord set-up the incident-thread tests share (the sender's and the fake's own): one
 * fake per test file, a new guild with one `alerts` channel per world (the bot's permissions as
 * given), and discord.js's real REST client against it. Call `afterAll(closeThreadWorlds)`.
 */
import { REST, type RESTOptions } from 'discord.js';
import { type FakeDiscord, PermissionBits, startFakeDiscord } from '../fakes/discord/index.js';

/** What an alert bot needs in a channel with threads, short of Create Public Threads. */
export const THREAD_BOT =
  PermissionBits.ViewChannel |
  PermissionBits.SendMessages |
  PermissionBits.SendMessagesInThreads |
  PermissionBits.EmbedLinks |
  PermissionBits.ReadMessageHistory;

export interface ThreadWorld {
  readonly fake: FakeDiscord;
  readonly rest: REST;
  /** The guild's `alerts` channel. */
  readonly channelId: string;
}

let shared: Promise<FakeDiscord> | null = null;
const rests: REST[] = [];

/** A new guild on the file's fake, where the bot has `botPermissions`, and a REST client for it. */
export async function threadWorld(
  botPermissions: bigint,
  restOptions: Partial<RESTOptions> = {},
): Promise<ThreadWorld> {
  shared ??= startFakeDiscord({ onUnknownRoute: () => undefined });
  const fake = await shared;
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }],
    everyonePermissions: '0',
    botPermissions: botPermissions.toString(),
  });
  const rest = new REST({ api: fake.restUrl, retries: 0, ...restOptions }).setToken(fake.token);
  rests.push(rest);
  const channelId = guild.channels.alerts;
  if (channelId === undefined) throw new Error('no alerts channel');
  return { fake, rest, channelId };
}

/** Stops the REST clients' sweepers and the fake. */
export async function closeThreadWorlds(): Promise<void> {
  for (const rest of rests.splice(0)) {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  const fake = shared;
  shared = null;
  await (await fake)?.close();
}
