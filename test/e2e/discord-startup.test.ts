/**
 * Starting the Discord adapter: a rejected token stops the bot with a clear message, commands are
 * registered only when they changed, and `npm run discord:register` registers them on demand.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { type DiscordWorld, startDiscordWorld, STARTUP_WAIT_MS } from './discord-harness.js';
import { DISCORD_COMMANDS } from '../../src/platforms/discord/discord-commands.js';

/** Every slash command the registry defines. */
const COMMAND_COUNT = DISCORD_COMMANDS.length;

let world: DiscordWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

// Refused logins and the register script stop before, or never open, the database: SQLite only.
describe('Discord start-up', () => {
  it('stops with a clear message and exit code 1 when the token is rejected', async () => {
    world = await startDiscordWorld('sqlite');
    const bot = world.startBot({ DISCORD_TOKEN: 'not-the-token' });
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toMatch(/Discord rejected DISCORD_TOKEN \(401 Unauthorized\)/);
    expect(bot.stderr).not.toMatch(/\n\s+at /);
    expect(bot.stderr).not.toContain('not-the-token');
  }, 180_000);

  it('stops with a clear message when DISCORD_API_ROOT cannot be reached', async () => {
    world = await startDiscordWorld('sqlite');
    const closed = await world.closedPortUrl();
    const bot = world.startBot({ DISCORD_API_ROOT: closed });
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toContain(`Could not log in to Discord at ${closed}`);
    expect(bot.stderr).toMatch(/Check DISCORD_API_ROOT/);
    expect(bot.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});

// A restart opens the database again (on PostgreSQL: a second pool and the migration lock).
describe.each(BACKENDS)('Discord start-up on %s', (backend) => {
  it('registers the commands once, and not again on a restart with the same definitions', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild } = world;
    const route = `/applications/${fake.applicationId}/guilds/${guild.id}/commands`;
    const calls = (method: string) => fake.calls.filter((c) => c.method === method && c.path === route);
    const first = world.startBot();
    await first.waitForLine(/status API on/, STARTUP_WAIT_MS);
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = world.startBot();
    await second.waitForLine(/status API on/, STARTUP_WAIT_MS);
    expect(calls('GET')).toHaveLength(2);
    expect(calls('PUT')).toHaveLength(1);
    expect(fake.commandCreates(guild.id)).toBe(COMMAND_COUNT);
  }, 180_000);
});

/** `npm run discord:register` as the operator runs it; resolves with its exit code and output. */
async function runRegister(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn('node_modules/.bin/tsx', ['scripts/discord-register.ts'], {
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

describe('npm run discord:register', () => {
  it('registers in DISCORD_GUILD_ID when set, globally otherwise, every time it runs', async () => {
    world = await startDiscordWorld('sqlite');
    const { fake, guild } = world;
    const env = {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_ROOT: fake.restUrl,
    };
    const inGuild = await runRegister({ ...env, DISCORD_GUILD_ID: guild.id });
    expect(inGuild).toMatchObject({
      code: 0,
      out: expect.stringMatching(`^Registered ${COMMAND_COUNT} commands in guild ${guild.id}:`),
    });
    expect(fake.commands(guild.id)).toHaveLength(COMMAND_COUNT);
    expect(fake.commands()).toEqual([]);
    const global = await runRegister(env);
    expect(global).toMatchObject({
      code: 0,
      out: expect.stringMatching(new RegExp(`^Registered ${COMMAND_COUNT} commands globally:`)),
    });
    expect(fake.commands()).toHaveLength(COMMAND_COUNT);
    const refused = await runRegister({ ...env, DISCORD_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^Could not register the commands globally: 401: Unauthorized/);
  }, 180_000);
});
