import type { ChatAddress } from '../delivery/ports.js';

/**
 * The platform-neutral shape of a chat command: what both adapters (Telegram text messages and
 * Discord slash commands/buttons) turn their events into, and what `CommandService.handle`
 * answers (the command table is in the README, Chat commands; the commands are `COMMANDS` in
 * registry.ts).
 */

/**
 * Named arguments, as Discord names its options: the names the commands' definitions give their
 * arguments (`COMMAND_ARG_NAMES` in registry.ts lists them all). Telegram's words are mapped onto the
 * same names by `parseCommandText`. An absent optional argument is absent (not an empty string).
 */
export type CommandArgs = Readonly<Record<string, string>>;

/**
 * What a chat platform can do, as far as the commands must know: each platform module declares
 * them (src/platforms/<name>/) and its adapter puts them on every request, so no command decides
 * by a platform's name.
 */
export interface ChatCapabilities {
  /** The platform has a `/start` command (a bot's first message on Telegram): `/help` lists it. */
  readonly startCommand: boolean;
  /** An alert may mention one role of the chat (`/settings role`, Discord's `allowed_mentions.roles`). */
  readonly mentionRole: boolean;
  /** The chat's community (the chat, or its guild) may add monitors with `/monitor`. */
  readonly chatMonitors: boolean;
}

/** A platform that can do none of the above: a safe value for chats no adapter describes. */
export const NO_CHAT_CAPABILITIES: ChatCapabilities = {
  startCommand: false,
  mentionRole: false,
  chatMonitors: false,
};

export const CHAT_KINDS = ['private', 'group', 'channel'] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

export interface CommandRequest {
  /**
   * The command without its slash, lower case (`status`), or a button action. Any other string
   * is answered with `unknownCommand`.
   */
  readonly command: string;
  readonly args: CommandArgs;
  readonly chat: ChatAddress & {
    /** Discord guild, when there is one. */
    readonly guildId: string | null;
    /**
     * Set by the adapter by its platform's own rule; `private` (a direct chat with the bot) also makes
     * a crowd report count towards the platform's one private community.
     */
    readonly kind: ChatKind;
    /** What the chat's platform can do (its module's `capabilities`). */
    readonly capabilities: ChatCapabilities;
    /**
     * The Telegram forum topic (`message_thread_id`) the command was sent in; absent outside
     * forum topics (and in a forum's General topic). `/subscribe` binds the chat's alerts to it.
     */
    readonly threadId?: string;
  };
  readonly user: {
    /**
     * Who is asking, for per-user rate limits, one-report-per-person and the monitor audit: the
     * platform's user id, or `chat:<id>` when the message was sent on behalf of a chat (Telegram
     * anonymous group admins and channels), which no user id can equal.
     */
    readonly id: string;
    /**
     * Asks the platform whether the user may change this chat's alerts (Discord Manage Channels,
     * Telegram creator/administrator). Called only for admin commands outside private chats.
     */
    readonly isAdmin: () => Promise<boolean>;
    /**
     * The name the platform shows for the user (untrusted plain text), where `/note` records who
     * wrote a note. Absent: the user id stands in.
     */
    readonly displayName?: string;
  };
  /** Discord `interaction.locale` / Telegram `from.language_code`: used only for chats we do not know yet. */
  readonly localeHint?: string;
}

/** A user id that stands for a chat (`chat:<id>`: a Telegram anonymous admin or channel), not a person. */
export function isChatIdentity(userId: string): boolean {
  return userId.startsWith('chat:');
}

export interface CommandReply {
  /** Plain text in the chat's language, never empty; the renderer escapes it. */
  readonly text: string;
  /** Only the caller should see it (Discord ephemeral reply; Telegram has no such thing). */
  readonly ephemeral: boolean;
  /** `/status <service>`: the adapter attaches this service's chart. */
  readonly chartServiceId?: string;
  /**
   * The caller was already told the same thing moments ago (a repeated "slow down"): a platform
   * without private replies (Telegram groups) should not post it again; Discord, which must answer
   * every interaction, replies privately as usual.
   */
  readonly droppable?: boolean;
  /** An unexpected exception from a port, for the adapter to log; `text` is `internalError`. */
  readonly error?: unknown;
}
