import type { ChatPlatform, PlatformContext } from './bot/platform.js';
import type { AppConfig } from './config.js';
import { createDiscordPlatform } from './bot/discord/discord-platform.js';
import { MAX_DISCORD_CONTENT_CHARS } from './bot/discord/discord-render.js';
import { CommandService } from './core/commands/command-service.js';
import { createTelegramPlatform } from './bot/telegram/telegram-platform.js';

/**
 * The chat platforms enabled by the config (a token set), in start order. Each adapter adds one
 * line here; with no tokens the list is empty and alerts go to the console only.
 */
export function createPlatforms(config: AppConfig, ctx: PlatformContext): ChatPlatform[] {
  const platforms: ChatPlatform[] = [];
  if (config.discord !== null) {
    // Discord replies are plain message content: 2,000 characters.
    const commands = new CommandService(ctx.commands, { maxReplyChars: MAX_DISCORD_CONTENT_CHARS });
    platforms.push(createDiscordPlatform(config.discord, ctx, commands));
  }
  if (config.telegram !== null) {
    platforms.push(createTelegramPlatform(config.telegram, ctx, new CommandService(ctx.commands)));
  }
  return platforms;
}
