import type { ChatPlatform, PlatformContext } from './bot/platform.js';
import type { AppConfig } from './config.js';
import { createDiscordPlatform } from './bot/discord/discord-platform.js';
import { createTelegramPlatform } from './bot/telegram/telegram-platform.js';

/**
 * The chat platforms enabled by the config (a token set), in start order. Each adapter adds one
 * line here; with no tokens the list is empty and alerts go to the console only.
 */
export function createPlatforms(config: AppConfig, ctx: PlatformContext): ChatPlatform[] {
  const platforms: ChatPlatform[] = [];
  if (config.discord !== null) platforms.push(createDiscordPlatform(config.discord, ctx, null));
  if (config.telegram !== null) platforms.push(createTelegramPlatform(config.telegram, ctx, null));
  void config;
  void ctx;
  return platforms;
}
