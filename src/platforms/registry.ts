import type { ChatPlatform, PlatformContext } from './platform.js';
import type { AppConfig } from '../config/env.js';
import { CommandService } from '../core/commands/command-service.js';

/**
 * The chat platforms enabled by the config (a token set), in start order. Each adapter adds one
 * block here; with no tokens the list is empty and alerts go to the console only.
 *
 * An adapter is imported only when its token is set: discord.js and telegraf together hold about
 * 40 MB of resident memory, which a console-only bot has no use for.
 */
export async function createPlatforms(config: AppConfig, ctx: PlatformContext): Promise<ChatPlatform[]> {
  const platforms: ChatPlatform[] = [];
  if (config.discord !== null) {
    const { createDiscordPlatform } = await import('./discord/discord-platform.js');
    const { MAX_DISCORD_CONTENT_CHARS } = await import('./discord/discord-render.js');
    // Discord replies are plain message content: 2,000 characters.
    const commands = new CommandService(ctx.commands, { maxReplyChars: MAX_DISCORD_CONTENT_CHARS });
    platforms.push(createDiscordPlatform(config.discord, ctx, commands));
  }
  if (config.telegram !== null) {
    const { createTelegramPlatform } = await import('./telegram/telegram-platform.js');
    platforms.push(createTelegramPlatform(config.telegram, ctx, new CommandService(ctx.commands)));
  }
  return platforms;
}
