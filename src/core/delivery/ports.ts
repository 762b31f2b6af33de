import type { Awaitable } from '../awaitable.js';
import type { IncidentEvent, IncidentEventKind } from '../events.js';
import type { Severity } from '../model.js';

/**
 * The delivery vocabulary and its ports: who is subscribed (SubscriptionStore), what is waiting to
 * be delivered (OutboxStore) and who delivers it (ChatSender, one per platform).
 */

/**
 * A chat platform's name (`telegram`, `discord`, …). Opaque to the core: the platforms are a list
 * outside it (src/platforms/registry.ts), and what the core must know about one comes from its
 * capabilities (`CommandRequest.chat.capabilities`), never from its name. Names reach the stores
 * only through the platform adapters, each writing its own module's name (docs/design.md §2).
 */
export type PlatformName = string;
/** The former name of {@link PlatformName}, kept for the stores' signatures. */
export type Platform = PlatformName;

/** The languages are the catalogues' list (core/i18n/index.ts); re-exported for the delivery vocabulary. */
export { LOCALES, type Locale } from '../i18n/index.js';
import type { Locale } from '../i18n/index.js';

/** The service id of a subscription to every service. */
export const ALL_SERVICES = '*';

/** A chat as the platforms name it. Chat ids are strings: Discord snowflakes do not fit a JS number. */
export interface ChatAddress {
  readonly platform: Platform;
  readonly chatId: string;
}

/** Daily quiet hours in the chat's time zone, as minutes after local midnight; `end` is exclusive. */
export interface QuietHours {
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface ChatSettings {
  readonly locale: Locale;
  /** IANA zone, e.g. `Asia/Dhaka`. */
  readonly timeZone: string;
  readonly quietHours: QuietHours | null;
  /** Epoch ms until which alerts are held; null when not muted. */
  readonly mutedUntil: number | null;
  /** Discord: the one role an alert may mention (`allowed_mentions.roles`). */
  readonly mentionRoleId: string | null;
  /**
   * Still-down reminders: the pace in minutes (30, 60, 120, 240; `/settings remind`), backing off
   * as `src/core/delivery/reminders.ts` says; null: off (the default).
   */
  readonly remindMinutes: number | null;
  /**
   * Discord incident threads (`/settings threads on|off`): a thread is started from each incident's
   * alert and its later updates and recovery are posted there too. Absent or false: off (the default).
   */
  readonly threads?: boolean;
}

export interface ChatRecord extends ChatAddress {
  /** Discord guild or Telegram group the chat belongs to, when there is one. */
  readonly guildId: string | null;
  readonly settings: ChatSettings;
  readonly active: boolean;
  readonly deactivatedReason: string | null;
  readonly deactivatedAt: number | null;
}

export interface Subscription {
  /** A service id, or {@link ALL_SERVICES}. */
  readonly serviceId: string;
  readonly minSeverity: Severity;
  readonly createdAt: number;
  /** The Telegram forum topic its alerts go to; null: the chat itself (a forum's General topic). */
  readonly threadId: string | null;
}

/**
 * Subscriptions and per-chat settings: what the chat commands change and the outbox fan-out reads.
 * Inputs are trusted (validated by the command handlers); unknown chats read as defaults. Every
 * method returns `Awaitable` (SQLite answers at once, PostgreSQL with a promise): callers await.
 */
export interface SubscriptionStore {
  /**
   * Subscribes (or changes the minimum severity), creating the chat and reactivating it if needed.
   * `threadId`: the forum topic the subscription's alerts go to (absent or null: the chat itself);
   * subscribing again from another topic moves them there.
   */
  subscribe(
    chat: ChatAddress & { readonly guildId?: string | null; readonly threadId?: string | null },
    serviceId: string,
    minSeverity: Severity,
    now: number,
  ): Awaitable<{ readonly created: boolean }>;
  /** Removes exactly that subscription (`*` removes the all-services one). True when one existed. */
  unsubscribe(chat: ChatAddress, serviceId: string): Awaitable<boolean>;
  /** Removes every subscription of the chat; returns how many. */
  unsubscribeAll(chat: ChatAddress): Awaitable<number>;
  listSubscriptions(chat: ChatAddress): Awaitable<Subscription[]>;
  getChat(chat: ChatAddress): Awaitable<ChatRecord | null>;
  /**
   * Every chat of the platform, active or not, by chat id: a platform whose chats come from the
   * operator's configuration (webhooks) deactivates at start those no longer configured.
   */
  listChats(platform: Platform): Awaitable<ChatRecord[]>;
  /** The chat's settings, or the defaults for a chat never seen. */
  getSettings(chat: ChatAddress): Awaitable<ChatSettings>;
  /** Changes some settings (creating the chat) and returns all of them; held alerts are re-checked. */
  updateSettings(chat: ChatAddress, patch: Partial<ChatSettings>, now: number): Awaitable<ChatSettings>;
  /** Stops all delivery to the chat (blocked, kicked, deleted) and records why; its queued alerts die. */
  deactivateChat(chat: ChatAddress, reason: string, now: number): Awaitable<boolean>;
  /** The chat got a new id (Telegram group → supergroup): subscriptions, queue and message references follow. */
  rewriteChatId(platform: Platform, oldChatId: string, newChatId: string): Awaitable<boolean>;
  /** Active chats an event goes to (the outbox fan-out's rule). */
  listRecipients(event: IncidentEvent): Awaitable<ChatRecord[]>;
  /**
   * A forum topic of the chat is gone (deleted or closed): its subscriptions, the incidents shown
   * in it and their queued alerts move to the chat itself (General). Returns the subscriptions moved.
   */
  forgetThread(chat: ChatAddress, threadId: string): Awaitable<number>;
}

/** One service silenced in a chat (`/silence <service> <duration>`) until `endsAt` (epoch ms). */
export interface ServiceSilence {
  readonly serviceId: string;
  readonly endsAt: number;
}

/**
 * The chats' silences of one service each (table `silences`). The outbox sets the service's rows
 * of the chat aside while one lasts and releases them when it ends (silences.ts).
 */
export interface SilenceStore {
  /**
   * Silences the service in the chat until `endsAt` (creating the chat), replacing a silence of it
   * already in place, so it may be shortened as well as lengthened.
   */
  setSilence(chat: ChatAddress, serviceId: string, endsAt: number, now: number): Awaitable<void>;
  /** Ends the service's silence in the chat now: its rows are released. False when none lasted. */
  endSilence(chat: ChatAddress, serviceId: string, now: number): Awaitable<boolean>;
  /** The chat's silences still lasting at `now`, soonest end first. */
  listSilences(chat: ChatAddress, now: number): Awaitable<ServiceSilence[]>;
}

export const DELIVERY_JOB_KINDS = ['send', 'edit', 'reply', 'summary'] as const;
export type DeliveryJobKind = (typeof DELIVERY_JOB_KINDS)[number];

/**
 * One message to one chat. `send`: a new message (several events = one grouped alert); `edit`:
 * replace the text of `editMessageId` (several events: by the grouped alert of them all, when
 * opening alerts join one already delivered); `reply`: a new message replying to
 * `replyToMessageId` (the recovery, so people are notified); `summary`: one message listing what
 * was held during quiet hours or a mute.
 */
export interface DeliveryJob {
  readonly chatId: string;
  /** The forum topic (Telegram `message_thread_id`) the message goes to; absent: the chat itself. */
  readonly threadId?: string;
  readonly kind: DeliveryJobKind;
  /** In the order they happened; never empty. */
  readonly events: readonly IncidentEvent[];
  readonly replyToMessageId?: string;
  readonly editMessageId?: string;
  /**
   * A reply that shows a grouped alert anew because it got worse: it becomes the message its open
   * incidents refer to (later changes edit it, the recovery replies to it).
   */
  readonly regroups?: true;
  /**
   * A still-down reminder (`/settings remind`): a `reply` to the incident's alert saying how long it
   * has been down (as of when the worker planned the job), with no buttons; on Discord it pings the
   * chat's role again when one is chosen, on Telegram it never pings.
   */
  readonly reminder?: { readonly downForMs: number };
  /**
   * A `send` of an opening alert (one incident's, or a grouped one's) in a chat with threads on
   * (`ChatSettings.threads`): the sender starts a thread from the alert message, when the platform
   * has threads (Discord), named for the incident's service or the group.
   */
  readonly startThread?: true;
  /**
   * The thread started from the alert this `edit` or `reply` changes or answers: the update or
   * recovery is posted in it as well (Discord); a reminder goes there instead of the channel.
   */
  readonly alertThreadId?: string;
  /**
   * The thread of the alert was deleted (a post in it was answered Unknown Channel): the sender
   * first starts a new one from the alert message (`alertMessageId`), then posts there as in
   * `alertThreadId`; when the message is gone too, the job goes out as without threads.
   */
  readonly restartThread?: { readonly alertMessageId: string };
  /** The job ends every incident its thread follows (the last recovery): the thread is archived. */
  readonly closesThread?: true;
  readonly settings: {
    readonly locale: Locale;
    readonly timeZone: string;
    readonly mentionRoleId: string | null;
  };
}

/**
 * What became of a delivery, classified at the adapter's edge (docs/design.md §4):
 * - `sent`: the platform accepted it; `messageId` is what later edits and replies refer to.
 * - `transient`: network, 5xx, timeout: try again later with backoff.
 * - `rate-limited`: a 429; wait `retryAfterMs` (the whole platform when `global`), no attempt counted.
 * - `chat-moved`: the chat has a new id (Telegram `migrate_to_chat_id`); retried at once there.
 * - `permanent`: blocked, kicked, unknown channel, missing access: the chat is deactivated.
 * - `rejected`: the platform refused this message, not the chat (a webhook answering 400): the
 *   rows are dead with the reason, not retried, and the chat stays active.
 * An adapter whose edit target is gone (message deleted) should fall back to a new message itself:
 * `permanent` here means the chat, not the message, is unreachable.
 */
export type DeliveryResult =
  | {
      readonly kind: 'sent';
      readonly messageId: string;
      /**
       * The job's forum topic is gone (deleted or closed), so the message went to the chat itself
       * (General) instead; the worker moves the topic's subscriptions there too.
       */
      readonly threadGone?: true;
      /**
       * The thread the sender started from the new alert (`DeliveryJob.startThread`), or started
       * anew from the alert in place of a deleted one (`DeliveryJob.restartThread`).
       */
      readonly alertThreadId?: string;
      /**
       * What became of the job's incident thread: `gone` (deleted: Unknown Channel, so the job went
       * out as without threads, and the next one starts a new thread), `dropped` (a new one could
       * not be started: the alert message is gone or Discord refused; the incidents go on without).
       */
      readonly alertThread?: 'gone' | 'dropped';
    }
  | { readonly kind: 'transient'; readonly error: string }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number; readonly global?: boolean }
  | { readonly kind: 'chat-moved'; readonly newChatId: string }
  | { readonly kind: 'permanent'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string };

/** A platform's way of delivering alerts. It renders the events itself and never throws for expected failures. */
export interface ChatSender {
  readonly platform: Platform;
  /** Resolves with the classified result; `signal` aborts on timeout or shutdown. */
  deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult>;
  /** Live boards (`/board`, src/core/board.ts); absent: the platform has none. */
  readonly boards?: BoardSender;
}

/**
 * How a board's post or edit ended: as a delivery's, or `gone` when the message to edit no longer
 * exists (deleted: the board is dropped quietly).
 */
export type BoardResult = DeliveryResult | { readonly kind: 'gone' };

/**
 * A platform's way of posting and editing live boards. `text` is the board's plain text (src/core/board.ts);
 * the sender escapes it, breaks mentions and sends it without buttons. Never throws for expected failures.
 */
export interface BoardSender {
  /** The longest board text the platform takes, before escaping. */
  readonly maxChars: number;
  post(chatId: string, threadId: string | null, text: string, signal: AbortSignal): Promise<BoardResult>;
  edit(chatId: string, messageId: string, text: string, signal: AbortSignal): Promise<BoardResult>;
  /** Pins the board silently; resolves why not when the platform refused (no right to pin), else null. */
  pin(chatId: string, messageId: string, signal: AbortSignal): Promise<string | null>;
  /** Unpins a retired board; resolves why not when the platform refused, else null. */
  unpin(chatId: string, messageId: string, signal: AbortSignal): Promise<string | null>;
}

/**
 * `held`: waiting out the chat's quiet hours or mute (it keeps the chat's later rows waiting, and goes
 * out in the summary); `silenced`: set aside while one service is silenced in the chat (it keeps
 * nothing waiting; see silences.ts); `planned`: a still-down reminder not yet due (unlike
 * `pending`, it keeps none of the chat's later rows waiting); `cancelled`: a reminder whose
 * incident recovered before it went out.
 */
export const OUTBOX_STATUSES = [
  'pending',
  'leased',
  'sent',
  'dead',
  'held',
  'silenced',
  'planned',
  'cancelled',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** One outbox row as the worker sees it. */
export interface OutboxItem {
  readonly id: number;
  readonly incidentId: number;
  readonly eventKind: IncidentEventKind;
  readonly event: IncidentEvent;
  /** Failed or lost attempts so far. */
  readonly attempts: number;
  readonly createdAt: number;
}

/** The platform message an incident's alert lives in, for one chat. */
export interface MessageRef {
  /** null until the opening alert is sent. */
  readonly messageId: string | null;
  /**
   * False when the message shows more than this incident (grouped alert, summary): never edited for
   * this incident alone (a grouped alert's updates go out together as its `conversation`).
   */
  readonly editable: boolean;
  /** The thread started from the incident's alert (Discord incident threads), when there is one. */
  readonly alertThreadId?: string;
  /** That thread was deleted: the next job of the incident starts a new one from the alert. */
  readonly alertThreadGone?: true;
}

/**
 * An alert message already delivered to the chat that the claim's opening alerts join by editing it
 * (the rule: {@link ClaimedChat.mergeInto}). `events` is what the message shows now, the latest
 * event of each of its incidents; the edit shows those and the claim's events as one grouped alert.
 */
export interface MergeTarget {
  readonly messageId: string;
  readonly events: readonly IncidentEvent[];
  /** The thread started from the message (Discord incident threads), as its incidents' references say. */
  readonly thread?: Pick<MessageRef, 'alertThreadId' | 'alertThreadGone'>;
}

/**
 * A grouped alert already delivered to the chat whose incidents the claim's updates and recoveries
 * change: `shown` is what it shows now (the latest delivered event of each of its incidents), so the
 * plan can tell an escalation from news that only needs a silent edit (grouping.ts,
 * `followUpPlan`).
 */
export interface Conversation {
  readonly messageId: string;
  readonly shown: readonly IncidentEvent[];
  /**
   * The chat's latest recovery reply in this conversation, when later recoveries may join it by
   * editing it (silently): it is still the chat's last message, and its first recovery was queued
   * within the group's longest check interval. `events` are the recoveries it lists.
   */
  readonly recoveryReply?: { readonly messageId: string; readonly events: readonly IncidentEvent[] };
}

/** Rows of one chat leased to one worker: they become one delivery. */
export interface ClaimedChat {
  readonly leaseToken: string;
  readonly chat: ChatRecord;
  /** The forum topic all the items go to (a claim never mixes topics); absent: the chat itself. */
  readonly threadId?: string;
  /** In id order; never empty. */
  readonly items: readonly OutboxItem[];
  /** The items were held (quiet hours, mute) and are released together as one summary. */
  readonly released: boolean;
  /** Message references by incident id, for the incidents among `items`. */
  readonly refs: ReadonlyMap<number, MessageRef>;
  /**
   * Set when the items are opening alerts that join the chat's latest alert message, which the
   * store found to be: the last message delivered to the chat, an alert (not a summary) showing
   * only incidents none of which has changed since (their latest row is delivered and shown
   * there: no update or recovery queued or replied), fewer than MAX_GROUP_EVENTS of them, the
   * first of them queued within GROUP_WINDOW_MS before the items (grouping.ts, `mergeTarget`).
   */
  readonly mergeInto?: MergeTarget;
  /**
   * Set when the items are updates and recoveries of incidents that one grouped alert message
   * shows (their reference is that message, an alert, not editable alone): they go out together
   * as one edit or one reply of it.
   */
  readonly conversation?: Conversation;
  /**
   * Set when the claim is one still-down reminder (an outbox row of kind `reminder`, claimed on
   * its own once due and once the chat has nothing else to go out): which one in its incident's
   * chain, and the alert message it replies to (the incident's reference in the chat; null when
   * there is none, then it goes out as a plain message). Its single item's `event` is the
   * incident's event it shows.
   */
  readonly reminder?: { readonly index: number; readonly alertMessageId: string | null };
}

export interface ClaimOptions {
  /** Most chats per claim. */
  readonly limit: number;
  readonly leaseMs: number;
}

/** How a claim ends. Every settlement applies to all items of the claim. */
export type Settlement =
  | {
      readonly kind: 'sent';
      readonly messageId: string;
      readonly at: number;
      /**
       * Message references to record (new messages and grouping edits; other edits and replies keep
       * the original). `joinable`: an alert that later opening alerts may join (not a summary).
       */
      readonly refs: readonly {
        readonly incidentId: number;
        readonly editable: boolean;
        readonly joinable?: boolean;
      }[];
      /**
       * A thread started from the new message (one incident's alert or a grouped one): recorded
       * with the reference of each incident it shows.
       */
      readonly alertThreadId?: string;
      /**
       * The incident thread the job used (`DeliveryJob.alertThreadId`) is `gone` (marked on every
       * reference that has it: the next job starts a new one), `dropped` (cleared from them), or
       * `restarted` (a new one, `newId`, was started in its place: recorded, the mark cleared).
       */
      readonly thread?:
        | { readonly id: string; readonly became: 'gone' | 'dropped' }
        | { readonly id: string; readonly became: 'restarted'; readonly newId: string };
    }
  /** Back to pending until `at`; `countAttempt` false for rate limits, pacing and chat moves. */
  | {
      readonly kind: 'retry';
      readonly at: number;
      readonly error: string | null;
      readonly countAttempt: boolean;
    }
  | { readonly kind: 'dead'; readonly error: string; readonly at: number }
  /** Quiet hours or mute: held until `until`, then released as one summary. */
  | { readonly kind: 'hold'; readonly until: number };

export interface DeadItem {
  readonly id: number;
  readonly platform: Platform;
  readonly chatId: string;
  readonly incidentId: number;
  /** The row's event kind; `reminder` for a still-down reminder. */
  readonly eventKind: IncidentEventKind | 'reminder';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
}

/**
 * The durable outbox as the workers use it. Claims are leases: a worker that dies leaves its rows
 * to be reclaimed when the lease runs out. One chat's rows are claimed in order, never two at a
 * time by two workers. Every method returns `Awaitable` (SQLite answers at once, PostgreSQL with a
 * promise): the worker awaits each. Planning an incident's rows is no part of it: that happens
 * inside the detection store's own transaction (`SqliteOutboxStore.enqueueIncidentEvent`, or the
 * PostgreSQL commit queue's), never through this port.
 */
export interface OutboxStore {
  claimDue(platform: Platform, now: number, options: ClaimOptions): Awaitable<ClaimedChat[]>;
  /** False when the lease was lost (expired and reclaimed, or the chat was deactivated meanwhile). */
  settle(claim: ClaimedChat, settlement: Settlement): Awaitable<boolean>;
  listDead(platform: Platform, limit: number): Awaitable<DeadItem[]>;
  /**
   * The messages sent to the platform's chats since `since` (ms), oldest first, and one at
   * `inFlightAt` per chat with rows leased (maybe sent by a worker that stopped before recording
   * it): a new leader of the platform among several instances replays them into its pacer
   * (docs/cluster.md). Optional: one instance never needs it.
   */
  recentSends?(
    platform: PlatformName,
    since: number,
    inFlightAt?: number,
  ): Awaitable<readonly { readonly chatId: string; readonly at: number }[]>;
}
