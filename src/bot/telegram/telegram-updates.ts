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
import { messagesFor, pickLocale } from '../../core/i18n/index.js';
import type { Logger } from '../../logging.js';
import { type ReplyChart, renderReplyChart } from '../reply-chart.js';
import type { RenderChartPng } from '../../charts/chart-png.js';
import { abortable } from './telegram-sender.js';
import { renderTelegramText } from './telegram-render.js';

/** What the adapter needs of the command layer (`CommandService`). */
export interface TelegramCommandPort {
  handle(request: CommandRequest): Promise<CommandReply>;
  serviceIds(): readonly string[];
}

/** `answerCallbackQuery.text`: 0-200 characters (https://core.telegram.org/bots/api#answercallbackquery). */
export const MAX_CALLBACK_ANSWER_CHARS = 200;
/** Each reply call and admin check gives up after this long. */
export const TELEGRAM_CALL_TIMEOUT_MS = 10_000;
/** Member statuses that may change a group's alerts (DESIGN §5). */
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

function chatKind(chat: Chat): ChatKind {
  if (chat.type === 'private') return 'private';
  return chat.type === 'channel' ? 'channel' : 'group';
}

/**
 * Turns telegraf updates into command requests and the command layer's replies back into
 * messages, and nothing more: the commands live in src/core/commands. What is Telegram's alone is
 * handled here: who is an admin (asked with getChatMember, not assumed), channel posts, callback
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

  private onMembership(change: Update.MyChatMemberUpdate['my_chat_member']): void {
    const status = change.new_chat_member.status;
    if (status !== 'left' && status !== 'kicked') return;
    const reason =
      change.chat.type === 'private'
        ? 'the user blocked the bot (my_chat_member: kicked)'
        : `the bot was removed from the chat (my_chat_member: ${status})`;
    const done = this.deps.subscriptions.deactivateChat(
      address(change.chat.id),
      reason,
      this.deps.clock.now(),
    );
    this.deps.log.info({ chatId: change.chat.id, status, deactivated: done }, 'telegram chat left');
  }

  private onMigrated(oldId: number, newId: number): void {
    const moved = this.deps.subscriptions.rewriteChatId('telegram', String(oldId), String(newId));
    this.deps.log.info({ oldChatId: oldId, newChatId: newId, moved }, 'telegram group migrated');
  }

  private async onText(ctx: Context, message: Message.TextMessage): Promise<void> {
    const parsed = parseCommandText(message.text, ctx.botInfo.username);
    if (parsed === null) return;
    // In a group, a bare unknown command may be another bot's.
    if (message.chat.type !== 'private' && !parsed.addressed && !isCommandName(parsed.command)) return;
    const request = this.request(ctx.telegram, message, parsed.command, parsed.args);
    const reply = await this.answer(request);
    if (reply.droppable === true && message.chat.type !== 'private') return;
    const signal = AbortSignal.timeout(TELEGRAM_CALL_TIMEOUT_MS);
    const replyTo = { message_id: message.message_id, allow_sending_without_reply: true };
    for (const chunk of renderTelegramText(reply.text)) {
      await ctx.telegram.callApi(
        'sendMessage',
        {
          chat_id: message.chat.id,
          text: chunk,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_parameters: replyTo,
        },
        abortable(signal),
      );
    }
    const chart = this.chart(reply, request);
    if (chart !== null) await this.sendChart(ctx.telegram, message.chat.id, replyTo, chart, signal);
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
    replyTo: { message_id: number; allow_sending_without_reply: boolean },
    chart: ReplyChart,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await telegram.callApi(
        'sendPhoto',
        {
          chat_id: chatId,
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

  private chart(reply: CommandReply, request: CommandRequest): ReplyChart | null {
    const render = this.deps.renderChartPng;
    if (render === undefined) return null;
    const deps = { renderChartPng: render, subscriptions: this.deps.subscriptions, log: this.deps.log };
    return renderReplyChart(deps, reply, request.chat, request.localeHint);
  }

  /** Button replies are private: they go in the callback answer (a toast only the presser sees). */
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
      chat: { ...address(chat.id), guildId: null, kind: chatKind(chat) },
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
    const from = message.from;
    // Channel posts have no `from`: they are written by the channel, i.e. by its admins.
    const userId = from?.id ?? message.sender_chat?.id ?? message.chat.id;
    return {
      command,
      args,
      chat: { ...address(message.chat.id), guildId: null, kind: chatKind(message.chat) },
      user: {
        id: String(userId),
        isAdmin: () => this.isAdmin(telegram, message.chat, from?.id, message.sender_chat?.id),
      },
      ...(from?.language_code === undefined ? {} : { localeHint: from.language_code }),
    };
  }

  /**
   * Creator or administrator of the chat, asked with getChatMember (DESIGN §5). A post signed by
   * the chat itself (a channel post, or an anonymous group admin) is an admin's by definition.
   */
  private async isAdmin(
    telegram: Telegram,
    chat: Chat,
    userId: number | undefined,
    senderChatId: number | undefined,
  ): Promise<boolean> {
    if (chat.type === 'private') return true;
    if (senderChatId === chat.id) return true;
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
      const m = messagesFor(pickLocale(request.localeHint, 'en'));
      return { text: m.commands.internalError(), ephemeral: true };
    }
    const reply = await commands.handle(request);
    if (reply.error !== undefined)
      this.deps.log.error({ err: reply.error, command: request.command }, 'telegram command failed');
    return reply;
  }
}
