/**
 * `npm run discord:register`: registers the slash commands now, whether or not they changed
 * (start-up only registers changed definitions). Globally, or in `DISCORD_GUILD_ID` when it is set
 * (guild commands show up at once; global ones can take a while to reach every client).
 */
import { REST } from 'discord.js';
import { DISCORD_COMMANDS, registerCommands } from '../src/platforms/discord/discord-commands.js';
import { loadAppConfig } from '../src/app-config.js';
import { loadDotEnv } from '../src/config/env.js';
import { ConfigError } from '../src/config/problems.js';
import { redactSecrets } from '../src/logging.js';

async function main(): Promise<number> {
  let config;
  try {
    loadDotEnv();
    config = loadAppConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`Configuration error:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  const discord = config.discord;
  if (discord === null || discord === undefined) {
    process.stderr.write('Set DISCORD_TOKEN and DISCORD_APPLICATION_ID to register the Discord commands.\n');
    return 1;
  }
  const rest = new REST(discord.apiRoot === undefined ? {} : { api: discord.apiRoot }).setToken(
    discord.token,
  );
  const scope = discord.guildId === undefined ? 'globally' : `in guild ${discord.guildId}`;
  try {
    await registerCommands(
      rest,
      {
        applicationId: discord.applicationId,
        ...(discord.guildId === undefined ? {} : { guildId: discord.guildId }),
      },
      { onlyIfChanged: false },
    );
  } catch (err) {
    const message = redactSecrets((err as Error).message, config.secrets);
    process.stderr.write(`Could not register the commands ${scope}: ${message}\n`);
    return 1;
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  process.stdout.write(
    `Registered ${DISCORD_COMMANDS.length} commands ${scope}: ${DISCORD_COMMANDS.map((c) => `/${c.name}`).join(' ')}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`discord:register failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
