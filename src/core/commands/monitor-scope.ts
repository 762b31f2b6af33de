import type { ChatCapabilities } from './command-request.js';
import type { MonitorScope } from './ports.js';

/**
 * The community a chat belongs to, for the monitor port; null where communities cannot own monitors
 * (a platform without the `chatMonitors` capability, or a scope that names none) or for a malformed
 * scope (autocomplete's comes from adapter code).
 */
export function monitorScopeOf(chat: {
  readonly platform: string;
  readonly chatId: string;
  readonly guildId?: string | null;
  readonly capabilities?: ChatCapabilities;
}): MonitorScope | null {
  if (typeof chat !== 'object' || chat === null) return null;
  const { platform, chatId, guildId, capabilities } = chat;
  if (capabilities?.chatMonitors !== true) return null;
  if (typeof platform !== 'string' || platform === '') return null;
  if (typeof chatId !== 'string' || (guildId != null && typeof guildId !== 'string')) return null;
  return { platform, chatId, guildId: guildId ?? null };
}
