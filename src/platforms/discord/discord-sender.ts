import { DiscordAPIError, type REST, Routes } from 'discord.js';
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
import { DiscordErrorCode, classifyDiscordError, isUnknownMessage } from './discord-errors.js';
import { sliceCodePoints } from '../../core/i18n/text-fit.js';

/** Discord's longest thread name. */
export const THREAD_NAME_MAX = 100;
/**
 * Why a thread may refuse a post for good: 10003 Unknown Channel (deleted), 50001 Missing Access,
 * 50013 Missing Permissions, 50083 Thread is archived (archived by hand; unarchiving is no job of ours).
 */
const THREAD_REFUSALS: ReadonlySet<number> = new Set([10003, 50001, 50013, 50083]);
/** The message has a thread already (160004). */
const THREAD_ALREADY_CREATED = 160004;
/** A thread left alone this long (minutes) is archived by Discord: a day. */
export const THREAD_AUTO_ARCHIVE_MINUTES = 1440;

/**
 * What the sender needs from the REST client: discord.js's own, with its bucket queue (`put`
 * pins live boards; without it they are not pinned).
 */
export type DiscordRest = Pick<REST, 'post' | 'patch'> & Partial<Pick<REST, 'put' | 'delete'>>;

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
 * - incident threads (`/settings threads on`): a `send` with `startThread` starts a thread from the
 *   new alert, one incident's or a grouped one's (its failure, e.g. 50013 missing permission or
 *   160004 already created, is logged at debug and the alert stands without one); an `edit` or
 *   `reply` with `alertThreadId` also posts the alert as it now reads in that thread (no mention),
 *   and one with `closesThread` (the last recovery) then archives the thread. A reminder with
 *   `alertThreadId` goes to the thread alone. A thread refusing posts (50083, 50001, 50013) is
 *   skipped (a reminder then replies in the channel); a deleted one (10003) leaves the job as
 *   without threads and is reported `alertThread: 'gone'`, so the next job (`restartThread`) starts
 *   a new thread from the alert message, or, that message gone too, reports it `dropped`. A
 *   transient failure there fails the job, which the outbox retries whole (the edit again is
 *   harmless; a recovery posts in the thread before replying in the channel, so only the thread may
 *   see it twice).
 *
 * Never throws: every failure becomes a {@link DeliveryResult}.
 */
export class DiscordSender implements ChatSender {
  readonly platform = 'discord' as const;
  readonly boards: BoardSender;

  constructor(
    private readonly rest: DiscordRest,
    private readonly options: {
      readonly statusPageUrl?: string;
      /** Where a refused thread is noted (the app's logger). */
      readonly log?: { debug(fields: object, message: string): void };
    } = {},
  ) {
    this.boards = new DiscordBoards(rest);
  }

  async deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      const thread = await this.threadOf(job, signal);
      const { messageId, gone } = await this.send(job, thread.id, signal);
      if (job.kind === 'send' && job.startThread === true) {
        const alertThreadId = await this.startThread(job, messageId, signal);
        return { kind: 'sent', messageId, ...(alertThreadId === null ? {} : { alertThreadId }) };
      }
      const alertThread = gone ? 'gone' : thread.dropped ? 'dropped' : undefined;
      return {
        kind: 'sent',
        messageId,
        ...(thread.restarted && !gone && thread.id !== null ? { alertThreadId: thread.id } : {}),
        ...(alertThread === undefined ? {} : { alertThread }),
      };
    } catch (err) {
      return classifyDiscordError(err);
    }
  }

  /**
   * The thread a follow-up goes to: the alert's, or, when that was deleted (`restartThread`), a
   * new one started from the alert message. Discord refusing that (the message deleted: 10008, a
   * permission gone) drops the thread: the job goes out as without threads. A message with a
   * thread already (160004: someone started one) has it under the message's id. A transient
   * failure throws: the job is retried whole, nothing of it sent yet.
   */
  private async threadOf(
    job: DeliveryJob,
    signal: AbortSignal,
  ): Promise<{ id: string | null; restarted: boolean; dropped: boolean }> {
    const restart = job.restartThread;
    if (restart === undefined) return { id: job.alertThreadId ?? null, restarted: false, dropped: false };
    try {
      const id = messageId(
        await this.rest.post(Routes.threads(job.chatId, restart.alertMessageId), {
          body: { name: this.threadName(job), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES },
          signal,
        }),
      );
      return { id, restarted: true, dropped: false };
    } catch (err) {
      if (!(err instanceof DiscordAPIError) || err.status >= 500) throw err;
      if (Number(err.code) === THREAD_ALREADY_CREATED)
        return { id: restart.alertMessageId, restarted: true, dropped: false };
      this.options.log?.debug(
        { err, chatId: job.chatId, messageId: restart.alertMessageId },
        'incident thread not started again: the incident goes on without one',
      );
      return { id: null, restarted: false, dropped: true };
    }
  }

  /**
   * The thread's name: the incident's service, or for a grouped alert the group's name (or its
   * services' names), with when it started, in the chat's language and time zone.
   */
  private threadName(job: DeliveryJob): string {
    const incidents = new Map(job.events.map((e) => [e.incidentId, e]));
    const events = [...incidents.values()];
    const group = events[0]?.group ?? null;
    const shared = group !== null && events.every((e) => e.group === group);
    const label =
      events.length === 1 || !shared
        ? [...new Set(events.map((e) => e.serviceName))].join(', ')
        : group.charAt(0).toUpperCase() + group.slice(1);
    return sliceCodePoints(
      messagesFor(job.settings.locale).alert.threadName({
        serviceName: label,
        startedAt: Math.min(...events.map((e) => e.startedAt)),
        timeZone: job.settings.timeZone,
      }),
      THREAD_NAME_MAX,
    );
  }

  /** Starts the incident's thread from its new alert; null (logged at debug) when Discord refuses. */
  private async startThread(job: DeliveryJob, alertId: string, signal: AbortSignal): Promise<string | null> {
    if (job.events.length === 0) return null;
    try {
      const thread = await this.rest.post(Routes.threads(job.chatId, alertId), {
        body: { name: this.threadName(job), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES },
        signal,
      });
      // A thread started from a message is a channel whose id is the message's.
      return messageId(thread);
    } catch (err) {
      this.options.log?.debug(
        { err, chatId: job.chatId, messageId: alertId },
        'incident thread not started: the alert stands without one',
      );
      return null;
    }
  }

  /**
   * Posts in the incident's thread: the alert as it now reads (its embed only: no role mention, no
   * buttons; they stay on the alert in the channel), or a reminder as it is (its role ping kept).
   * Resolves with the new message's id, `gone` for a deleted thread (10003 Unknown Channel), or
   * `refused` when it refuses posts for good (archived by hand, closed to the bot), logged at
   * debug; a transient failure or a rate limit throws.
   */
  private async postInThread(
    threadId: string,
    job: DeliveryJob,
    body: object,
    signal: AbortSignal,
  ): Promise<{ posted: string } | 'gone' | 'refused'> {
    try {
      const content =
        job.reminder !== undefined
          ? body
          : { embeds: (body as { embeds?: unknown }).embeds ?? [], allowed_mentions: { parse: [] } };
      return {
        posted: messageId(await this.rest.post(Routes.channelMessages(threadId), { body: content, signal })),
      };
    } catch (err) {
      if (!(err instanceof DiscordAPIError && THREAD_REFUSALS.has(Number(err.code)))) throw err;
      const gone = Number(err.code) === DiscordErrorCode.UnknownChannel;
      this.options.log?.debug(
        { err, threadId },
        gone
          ? 'incident thread deleted: the update goes to the channel, the next one starts a new thread'
          : 'incident thread refused the update: skipped',
      );
      return gone ? 'gone' : 'refused';
    }
  }

  /** Archives the thread after the recovery; a failure only leaves it to Discord's own archiving. */
  private async archiveThread(threadId: string, signal: AbortSignal): Promise<void> {
    try {
      await this.rest.patch(Routes.channel(threadId), { body: { archived: true }, signal });
    } catch (err) {
      this.options.log?.debug({ err, threadId }, 'incident thread not archived');
    }
  }

  /** Sends the job; `gone`: its thread turned out deleted (the job went out as without threads). */
  private async send(
    job: DeliveryJob,
    thread: string | null,
    signal: AbortSignal,
  ): Promise<{ messageId: string; gone: boolean }> {
    const body = this.render(job);
    const channel = Routes.channelMessages(job.chatId);
    let gone = false;
    const inThread = async (): Promise<{ posted: string } | 'gone' | 'refused' | null> => {
      if (thread === null) return null;
      const outcome = await this.postInThread(thread, job, body, signal);
      if (outcome === 'gone') gone = true;
      else if (outcome !== 'refused' && job.closesThread === true) await this.archiveThread(thread, signal);
      return outcome;
    };
    // A reminder goes to the thread alone (no reference needed there); a thread that refuses it
    // leaves it to the channel, as without threads.
    if (job.reminder !== undefined) {
      const outcome = await inThread();
      if (outcome !== null && typeof outcome === 'object') return { messageId: outcome.posted, gone };
    } else if (job.kind === 'edit' && job.editMessageId !== undefined) {
      try {
        const route = Routes.channelMessage(job.chatId, job.editMessageId);
        // An alert that no longer pings clears the role mention it may have shown.
        const edited = messageId(await this.rest.patch(route, { body: { content: '', ...body }, signal }));
        await inThread();
        return { messageId: edited, gone };
      } catch (err) {
        // Someone deleted the alert: the update goes out as a new message rather than nowhere.
        if (!isUnknownMessage(err)) throw err;
      }
    } else if (job.kind === 'reply') {
      // The recovery goes to the thread first: a failure after it repeats only the thread's copy.
      await inThread();
    }
    const reference =
      job.kind === 'reply' && job.replyToMessageId !== undefined
        ? // A deleted original must not fail the recovery: it is then sent without the reference.
          { message_reference: { message_id: job.replyToMessageId, fail_if_not_exists: false } }
        : {};
    return {
      messageId: messageId(await this.rest.post(channel, { body: { ...body, ...reference }, signal })),
      gone,
    };
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
 * a deleted message (10008 Unknown Message) is `gone`. Pinned with `PUT .../messages/pins/{id}`, a
 * retired board unpinned with `DELETE` on the same route; a refusal (Manage Messages missing, 50 pins already) is returned, never thrown.
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

  async unpin(chatId: string, id: string, signal: AbortSignal): Promise<string | null> {
    if (this.rest.delete === undefined) return 'no REST delete';
    try {
      await this.rest.delete(Routes.channelMessagesPin(chatId, id), { signal });
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}
