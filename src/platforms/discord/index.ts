import { CommandService } from '../../core/commands/command-service.js';
import type { PlatformModule } from '../platform.js';
import {
  checkDiscordEnv,
  DISCORD_ALERT_PACING,
  DISCORD_CAPABILITIES,
  DISCORD_ENV,
  DISCORD_LIMITS,
  type DiscordSettings,
} from './discord-settings.js';

/** Discord (discord.js, gateway + REST): enabled by DISCORD_TOKEN with DISCORD_APPLICATION_ID. */
export const discordModule: PlatformModule<'discord', typeof DISCORD_ENV.shape, DiscordSettings> = {
  name: 'discord',
  env: DISCORD_ENV,
  secrets: ['DISCORD_TOKEN'],
  check: checkDiscordEnv,
  settings: (e) =>
    e.DISCORD_TOKEN === undefined || e.DISCORD_APPLICATION_ID === undefined
      ? null
      : {
          token: e.DISCORD_TOKEN,
          applicationId: e.DISCORD_APPLICATION_ID,
          ...(e.DISCORD_GUILD_ID !== undefined ? { guildId: e.DISCORD_GUILD_ID } : {}),
          ...(e.DISCORD_API_ROOT !== undefined ? { apiRoot: e.DISCORD_API_ROOT } : {}),
        },
  pacing: DISCORD_ALERT_PACING,
  limits: DISCORD_LIMITS,
  capabilities: DISCORD_CAPABILITIES,
  async create(settings, ctx) {
    // discord.js is loaded only when Discord is enabled.
    const { createDiscordPlatform } = await import('./discord-platform.js');
    const commands = new CommandService(ctx.commands, {
      maxReplyChars: DISCORD_LIMITS.maxReplyChars,
      ...ctx.commandRates,
    });
    return createDiscordPlatform(settings, ctx, commands);
  },
};
