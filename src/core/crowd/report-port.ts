import type { Awaitable } from '../awaitable.js';
import type { PlatformName } from '../delivery/ports.js';
import type { ProblemKind } from './problem-kind.js';

/** One crowd report as a chat command or an "I'm affected too" button gives it. */
export interface CrowdReport {
  readonly serviceId: string;
  readonly platform: PlatformName;
  /** The platform's user id; the store keeps only a salted hash of it. */
  readonly userId: string;
  /** The chat it came from, and its guild (Discord) when it has one: one chat alone never makes an outage. */
  readonly chatId: string;
  readonly guildId: string | null;
  /**
   * Sent in a private chat with the bot, as the platform's adapter classified the chat (the
   * command's `chat.kind`). A chat whose id is the reporter's own (a Telegram private chat) is
   * private in any case.
   */
  readonly privateChat?: boolean;
  readonly problem: ProblemKind;
  readonly at: number;
  /**
   * The reply to this report is posted in the chat (`/report`), so it can carry a community
   * notice. Not set for the alert button, whose reply is a toast only the presser sees on Telegram.
   */
  readonly answeredInChat?: boolean;
}

/**
 * What became of a report: `counted`, or `duplicate` (same person, same service, within 30 minutes).
 * `communityNotice` is set on the report that made its community's own reporters reach a spike's
 * size while nobody else sees anything (`communityNoticeDue`): its reply tells the whole chat.
 */
export type ReportOutcome =
  | { readonly kind: 'counted'; readonly communityNotice?: { readonly reporters: number } }
  | { readonly kind: 'duplicate'; readonly previousAt: number };

/**
 * Where crowd reports go (implemented over SQLite or PostgreSQL; the crowd detector reads the
 * windows back). `record` is cheap: it runs inside the command handler, which awaits it (SQLite
 * answers at once, PostgreSQL with a promise).
 */
export interface ReportSink {
  record(report: CrowdReport): Awaitable<ReportOutcome>;
}

/**
 * What the community notices need of the report store (`SqliteReportStore`): the sink, plus the
 * reporters of one community and of the others, and when a community was last given a notice.
 */
export interface CommunityReportStore extends ReportSink {
  communityReporters(serviceId: string, chatKey: string, from: number, to: number): Awaitable<number>;
  communityCounts(serviceId: string, from: number, to: number): Awaitable<ReadonlyMap<string, number>>;
  lastCommunityNotice(serviceId: string, chatKey: string): Awaitable<number | null>;
  markCommunityNotice(serviceId: string, chatKey: string, at: number): Awaitable<void>;
}
