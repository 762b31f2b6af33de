import { Input, type Context, type Telegram } from 'telegraf';
import type { Chat, Message, ReplyParameters, Update } from 'telegraf/types';
import {
  type ChatKind,
  type CommandReply,
  type CommandRequest,
  isCommandName,
  parseButtonCommand,
  parseCommandText,
} from '../../core/commands/index.js';
import type { ChatAddress, SubscriptionStore } from '../../core/delivery/ports.js';
import type { Clock } from '../../core/model.js';
import { LOCALES, messagesFor, pickLocale } from '../../core/i18n/index.js';
import type { Logger } from '../../logging.js';
import { type ReplyChart, renderReplyChart } from '../reply-chart.js';
import type { RenderChartPng } from '../../charts/chart-png.js';
import { abortable } from './telegram-sender.js';
import { renderTelegramText } from './telegram-render.js';
import { TELEGRAM_CAPABILITIES } from './telegram-settings.js';

/** What the adapter needs of the command layer (`CommandService`). */
export interface TelegramCommandPort {
  handle(request: CommandRequest): Promise<CommandReply>;
  serviceIds(): readonly string[];
}

/** `answerCallbackQuery.text`: 0-200 characters (https://core.telegram.org/bots/api#answercallbackquery). */
export const MAX_CALLBACK_ANSWER_CHARS = 200;
/** Each reply call and admin check gives up after this long. */
export const TELEGRAM_CALL_TIMEOUT_MS = 10_000;
/** Member statuses that may change a group's alerts. */
const ADMIN_STATUSES: ReadonlySet<string> = new Set(['creator', 'administrator']);

export interface TelegramUpdatesDeps {
  /** The command layer; null until the composition root provides one (commands then get the internal-error text). */
  readonly commands: TelegramCommandPort | null;
  readonly subscriptions: Pick<
    SubscriptionStore,
    'deactivateChat' | 'rewriteChatId' | 'getChat' | 'getSettings'
  >;
  readonly clock: Clock;
  readonly log: Logger;
  /** The chart `/status <service>` attaches; absent (tests, the console), replies are text only. */
  readonly renderChartPng?: RenderChartPng;
}

const address = (chatId: number | string): ChatAddress => ({ platform: 'telegram', chatId: String(chatId) });

/**
 * Who sent a message, as the command layer's user id. Telegram sets `sender_chat` when a message is
 * sent on behalf of a chat, and then `from` is a placeholder shared by everyone doing the same
 * (GroupAnonymousBot, 1087968824, for anonymous admins of every group; Channel_Bot, 136817688, for
 * people posting as a channel; absent in channels): the sender is that chat, as `chat:<id>`. Chat
 * ids are negative and user ids positive, and the prefix keeps the two apart anyway.
 */
export function senderId(message: Pick<Message, 'from' | 'sender_chat' | 'chat'>): string {
  if (message.sender_chat !== undefined) return `chat:${message.sender_chat.id}`;
  if (message.from !== undefined) return String(message.from.id);
  return `chat:${message.chat.id}`;
}

/**
 * The forum topic a message was sent in (`message_thread_id` when `is_topic_message`), or
 * undefined: the General topic and chats without topics. In a supergroup without topics,
 * `message_thread_id` names a reply thread, which is no place to send anything to.
 */
export function topicOf(
  message: Pick<Message, 'message_thread_id' | 'is_topic_message'>,
): number | undefined {
  return message.is_topic_message === true ? message.message_thread_id : undefined;
}

/**
 * A message nobody typed as a command here: a post of a linked channel that Telegram forwarded to
 * its discussion group by itself (`is_automatic_forward`), or any forwarded message
 * (`forward_origin`): a forwarded "/subscribe all" was written by someone else, somewhere else.
 */
function isForwarded(
  message: Pick<Message.CommonMessage, 'is_automatic_forward' | 'forward_origin'>,
): boolean {
  return message.is_automatic_forward === true || message.forward_origin !== undefined;
}

function chatKind(chat: Chat): ChatKind {
  if (chat.type === 'private') return 'private';
  return chat.type === 'channel' ? 'channel' : 'group';
}

/**
 * Turns telegraf updates into command requests and the command layer's replies back into
 * messages, and nothing more: the commands live in src/core/commands. What is Telegram's alone is
 * handled here: who sent a message (a user, or a chat: anonymous admins, channels), who is an admin
 * (asked with getChatMember, not assumed), forwarded messages (never commands), forum topics
 * (replies go to the command's topic, `/subscribe` binds alerts to it), channel posts, callback
 * answers, the bot leaving a chat (`my_chat_member`) and group → supergroup migration.
 */
export class TelegramUpdates {
  constructor(private readonly deps: TelegramUpdatesDeps) {}

  /** One update; never rejects (its failures are logged with the update id). */
  async handle(ctx: Context): Promise<void> {
    try {
      await this.route(ctx);
    } catch (err) {
      this.deps.log.error({ err, updateId: ctx.update.update_id }, 'telegram update failed');
    }
  }

  private async route(ctx: Context): Promise<void> {
    const update = ctx.update;
    if ('my_chat_member' in update) return this.onMembership(update.my_chat_member);
    if ('callback_query' in update) return this.onButton(ctx, update.callback_query);
    const message =
      'message' in update ? update.message : 'channel_post' in update ? update.channel_post : null;
    if (message === null) return;
    if ('migrate_to_chat_id' in message) return this.onMigrated(message.chat.id, message.migrate_to_chat_id);
    if ('text' in message) await this.onText(ctx, message);
  }

  private async onMembership(change: Update.MyChatMemberUpdate['my_chat_member']): Promise<void> {
    const status = change.new_chat_member.status;
    if (status !== 'left' && status !== 'kicked') return;
    const reason =
      change.chat.type === 'private'
        ? 'the user blocked the bot (my_chat_member: kicked)'
        : `the bot was removed from the chat (my_chat_member: ${status})`;
    const done = await this.deps.subscriptions.deactivateChat(
      address(change.chat.id),
      reason,
      this.deps.clock.now(),
    );
    this.deps.log.info({ chatId: change.chat.id, status, deactivated: done }, 'telegram chat left');
  }

  private async onMigrated(oldId: number, newId: number): Promise<void> {
    const moved = await this.deps.subscriptions.rewriteChatId('telegram', String(oldId), String(newId));
    this.deps.log.info({ oldChatId: oldId, newChatId: newId, moved }, 'telegram group migrated');
  }

  private async onText(ctx: Context, message: Message.TextMessage): Promise<void> {
    if (isForwarded(message)) return;
    const parsed = parseCommandText(message.text, ctx.botInfo.username);
    if (parsed === null) return;
    // In a group, a bare unknown command may be another bot's.
    if (message.chat.type !== 'private' && !parsed.addressed && !isCommandName(parsed.command)) return;
    const request = this.request(ctx.telegram, message, parsed.command, parsed.args);
    const reply = await this.answer(request);
    if (reply.droppable === true && message.chat.type !== 'private') return;
    const signal = AbortSignal.timeout(TELEGRAM_CALL_TIMEOUT_MS);
    const replyTo = { message_id: message.message_id, allow_sending_without_reply: true };
    const topic = topicOf(message);
    const thread = topic === undefined ? {} : { message_thread_id: topic };
    for (const chunk of renderTelegramText(reply.text)) {
      await ctx.telegram.callApi(
        'sendMessage',
        {
          chat_id: message.chat.id,
          ...thread,
          text: chunk,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_parameters: replyTo,
        },
        abortable(signal),
      );
    }
    const chart = await this.chart(reply, request);
    if (chart !== null) await this.sendChart(ctx.telegram, message.chat.id, topic, replyTo, chart, signal);
  }

  /**
   * The chart goes after the text, as its own photo without a caption. A caption holds only
   * 1,024 characters (https://core.telegram.org/bots/api#sendphoto) while a status reply may fill a whole message,
   * so text-then-photo is the one layout that fits every reply; and the text, already sent,
   * cannot be lost to a failed upload. A failed upload is logged, not retried.
   */
  private async sendChart(
    telegram: Telegram,
    chatId: number,
    topic: number | undefined,
    replyTo: { message_id: number; allow_sending_without_reply: boolean },
    chart: ReplyChart,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await telegram.callApi(
        'sendPhoto',
        {
          chat_id: chatId,
          ...(topic === undefined ? {} : { message_thread_id: topic }),
          photo: Input.fromBuffer(chart.png, chart.filename),
          // An upload goes as multipart, where telegraf 4.16 JSON-encodes only a few object fields
          // (reply_markup…) and would send this one as a broken file part: it goes as JSON text,
          // which the Bot API accepts for any object parameter of a form.
          reply_parameters: JSON.stringify(replyTo) as unknown as ReplyParameters,
        },
        abortable(signal),
      );
    } catch (err) {
      this.deps.log.warn({ err, chatId }, 'telegram chart upload failed');
    }
  }

  private async chart(reply: CommandReply, request: CommandRequest): Promise<ReplyChart | null> {
    const render = this.deps.renderChartPng;
    if (render === undefined) return null;
    const deps = { renderChartPng: render, subscriptions: this.deps.subscriptions, log: this.deps.log };
    return renderReplyChart(deps, reply, request.chat, request.localeHint);
  }

  /**
   * Button replies are private: they go in the callback answer (a toast only the presser sees).
   * A callback query has no `sender_chat`: its `from` is the real user who pressed, also when that
   * user is an anonymous admin of the group, so buttons count people, and admin checks ask about them.
   */
  private async onButton(ctx: Context, query: Update.CallbackQueryUpdate['callback_query']): Promise<void> {
    const data = 'data' in query ? query.data : undefined;
    const chat = query.message?.chat;
    const parsed =
      data === undefined || chat === undefined ? null : parseButtonCommand(data, this.serviceIds());
    if (parsed === null || chat === undefined) {
      await ctx.telegram.answerCbQuery(query.id);
      return;
    }
    const request: CommandRequest = {
      command: parsed.command,
      args: parsed.args,
      chat: { ...address(chat.id), guildId: null, kind: chatKind(chat), capabilities: TELEGRAM_CAPABILITIES },
      user: {
        id: String(query.from.id),
        isAdmin: () => this.isAdmin(ctx.telegram, chat, query.from.id, undefined),
      },
      ...(query.from.language_code === undefined ? {} : { localeHint: query.from.language_code }),
    };
    const reply = await this.answer(request);
    const text = [...reply.text].slice(0, MAX_CALLBACK_ANSWER_CHARS).join('');
    await ctx.telegram.answerCbQuery(query.id, text);
  }

  private request(
    telegram: Telegram,
    message: Message.TextMessage,
    command: string,
    args: CommandRequest['args'],
  ): CommandRequest {
    // With `sender_chat` set, `from` is a placeholder (or absent): neither its id nor its language is anyone's.
    const from = message.sender_chat === undefined ? message.from : undefined;
    const topic = topicOf(message);
    return {
      command,
      args,
      chat: {
        ...address(message.chat.id),
        guildId: null,
        kind: chatKind(message.chat),
        capabilities: TELEGRAM_CAPABILITIES,
        ...(topic === undefined ? {} : { threadId: String(topic) }),
      },
      user: {
        id: senderId(message),
        isAdmin: () => this.isAdmin(telegram, message.chat, from?.id, message.sender_chat?.id),
        ...(from === undefined
          ? {}
          : { displayName: [from.first_name, from.last_name ?? ''].join(' ').trim() }),
      },
      ...(from?.language_code === undefined ? {} : { localeHint: from.language_code }),
    };
  }

  /**
   * Creator or administrator of the chat, asked with getChatMember. A message sent on behalf of the
   * chat itself (a channel post, or an anonymous admin of the group) is an admin's by definition:
   * only admins can do that, so Telegram is not asked. A message sent on behalf of another chat (a
   * user posting as a channel, their own or the group's linked one) is nobody's in this group: the
   * person behind it is hidden, so it is not an admin's, whoever that is.
   */
  private async isAdmin(
    telegram: Telegram,
    chat: Chat,
    userId: number | undefined,
    senderChatId: number | undefined,
  ): Promise<boolean> {
    if (chat.type === 'private') return true;
    if (senderChatId !== undefined) return senderChatId === chat.id;
    if (userId === undefined) return false;
    const member = await telegram.getChatMember(chat.id, userId);
    return ADMIN_STATUSES.has(member.status);
  }

  private serviceIds(): readonly string[] {
    return this.deps.commands?.serviceIds() ?? [];
  }

  private async answer(request: CommandRequest): Promise<CommandReply> {
    const commands = this.deps.commands;
    if (commands === null) {
      const m = messagesFor(pickLocale(request.localeHint, LOCALES[0]));
      return { text: m.commands.internalError(), ephemeral: true };
    }
    const reply = await commands.handle(request);
    if (reply.error !== undefined)
      this.deps.log.error({ err: reply.error, command: request.command }, 'telegram command failed');
    return reply;
  }
}
