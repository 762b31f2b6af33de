import { type REST, Routes } from 'discord.js';
import { buildAlert, summariseIncidents } from '../../core/alert-message.js';
import type {
  BoardResult,
  BoardSender,
  ChatSender,
  DeliveryJob,
  DeliveryResult,
} from '../../core/delivery/ports.js';
import { messagesFor } from '../../core/i18n/index.js';
import {
  MAX_DISCORD_CONTENT_CHARS,
  renderDiscordAlert,
  renderDiscordReminder,
  renderDiscordText,
} from './discord-render.js';
import { classifyDiscordError, isUnknownMessage } from './discord-errors.js';

/**
 * What the sender needs from the REST client: discord.js's own, with its bucket queue (`put`
 * pins live boards; without it they are not pinned).
 */
export type DiscordRest = Pick<REST, 'post' | 'patch'> & Partial<Pick<REST, 'put'>>;

/**
 * Delivers outbox jobs as Discord messages through @discordjs/rest (docs/design.md §4). The REST client
 * queues per route bucket and waits out 429s itself (docs/platforms.md §1.1), so there is no retry
 * layer here: one job is one call (two when an edit target was deleted), classified at the end.
 *
 * - `send`: a new alert embed with its buttons; `allowed_mentions` permits only the chat's role.
 * - `edit`: the opening alert rewritten in place; a deleted message (10008) gets a new one instead.
 * - `reply`: a new message replying to the alert (`message_reference`), so the recovery notifies.
 * - `summary`: one plain message listing what was held during quiet hours or a mute.
 * - a reminder (`reply` with `reminder`): "still down for 2 h 5 min" replying to the alert,
 *   pinging the chat's role again only when it chose one (`allowed_mentions` that role only).
 *
 * Never throws: every failure becomes a {@link DeliveryResult}.
 */
export class DiscordSender implements ChatSender {
  readonly platform = 'discord' as const;
  readonly boards: BoardSender;

  constructor(
    private readonly rest: DiscordRest,
    private readonly options: { readonly statusPageUrl?: string } = {},
  ) {
    this.boards = new DiscordBoards(rest);
  }

  async deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      return { kind: 'sent', messageId: await this.send(job, signal) };
    } catch (err) {
      return classifyDiscordError(err);
    }
  }

  private async send(job: DeliveryJob, signal: AbortSignal): Promise<string> {
    const body = this.render(job);
    const channel = Routes.channelMessages(job.chatId);
    if (job.kind === 'edit' && job.editMessageId !== undefined) {
      try {
        const route = Routes.channelMessage(job.chatId, job.editMessageId);
        // An alert that no longer pings clears the role mention it may have shown.
        return messageId(await this.rest.patch(route, { body: { content: '', ...body }, signal }));
      } catch (err) {
        // Someone deleted the alert: the update goes out as a new message rather than nowhere.
        if (!isUnknownMessage(err)) throw err;
      }
    }
    const reference =
      job.kind === 'reply' && job.replyToMessageId !== undefined
        ? // A deleted original must not fail the recovery: it is then sent without the reference.
          { message_reference: { message_id: job.replyToMessageId, fail_if_not_exists: false } }
        : {};
    return messageId(await this.rest.post(channel, { body: { ...body, ...reference }, signal }));
  }

  private render(job: DeliveryJob): object {
    const { locale, timeZone, mentionRoleId } = job.settings;
    if (job.reminder !== undefined) {
      const event = job.events[0];
      if (!event) throw new Error('a reminder without its incident');
      const text = messagesFor(locale).alert.stillDown({
        serviceName: event.serviceName,
        durationMs: job.reminder.downForMs,
      });
      return renderDiscordReminder(text, mentionRoleId);
    }
    if (job.kind === 'summary') {
      const m = messagesFor(locale);
      return renderDiscordText(
        m.commands.quietHoursSummary({ incidents: summariseIncidents(job.events), timeZone }),
      );
    }
    const alert = buildAlert(job.events, {
      locale,
      timeZone,
      ...(this.options.statusPageUrl === undefined ? {} : { statusPageUrl: this.options.statusPageUrl }),
    });
    return renderDiscordAlert(alert, mentionRoleId === null ? {} : { mentionRoleId });
  }
}

function messageId(response: unknown): string {
  const id = (response as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new Error('Discord answered without a message id');
  return id;
}

/**
 * Live boards as plain Discord messages: the board's text escaped, mentions disallowed. An edit of
 * a deleted message (10008 Unknown Message) is `gone`. Pinned with `PUT .../messages/pins/{id}`; a
 * refusal (Manage Messages missing, 50 pins already) is returned, never thrown.
 */
class DiscordBoards implements BoardSender {
  /** Escaping adds a backslash before markdown characters: a quarter of the limit is kept for it. */
  readonly maxChars = Math.floor(MAX_DISCORD_CONTENT_CHARS * 0.75);

  constructor(private readonly rest: DiscordRest) {}

  async post(
    chatId: string,
    _threadId: string | null,
    text: string,
    signal: AbortSignal,
  ): Promise<BoardResult> {
    try {
      const body = renderDiscordText(text);
      return {
        kind: 'sent',
        messageId: messageId(await this.rest.post(Routes.channelMessages(chatId), { body, signal })),
      };
    } catch (err) {
      return classifyDiscordError(err);
    }
  }

  async edit(chatId: string, id: string, text: string, signal: AbortSignal): Promise<BoardResult> {
    try {
      const body = renderDiscordText(text);
      await this.rest.patch(Routes.channelMessage(chatId, id), { body, signal });
      return { kind: 'sent', messageId: id };
    } catch (err) {
      if (isUnknownMessage(err)) return { kind: 'gone' };
      return classifyDiscordError(err);
    }
  }

  async pin(chatId: string, id: string, signal: AbortSignal): Promise<string | null> {
    if (this.rest.put === undefined) return 'no REST put';
    try {
      await this.rest.put(Routes.channelMessagesPin(chatId, id), { signal });
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}
