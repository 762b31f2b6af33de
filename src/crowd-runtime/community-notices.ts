import type { ServiceDef } from '../core/catalog.js';
import {
  COMMUNITY_NOTICE_EVERY_MS,
  communityNoticeDue,
  type CrowdDetectorState,
  expectedCount,
  WINDOW_MS,
} from '../core/crowd/index.js';
import type { Awaitable } from '../core/awaitable.js';
import type {
  CommunityReportStore,
  CrowdReport,
  ReportOutcome,
  ReportSink,
} from '../core/crowd/report-port.js';
import { chatKeyOf, isPrivateChat } from '../db/sqlite-report-store.js';
import type { Logger } from '../logging.js';

/** How long a service reported from several communities together is not considered for a notice. */
export const OTHERS_RECHECK_MS = 60_000;

export type { CommunityReportStore } from '../core/crowd/report-port.js';

export interface CommunityReportSinkDeps {
  readonly store: CommunityReportStore;
  /** Only services with `crowd: true` are evaluated, for the global level and for notices alike. */
  readonly services: readonly ServiceDef[];
  /** The service's crowd detector state in force (`CrowdRuntime.detectorState`): its level and baseline. */
  readonly detector: (serviceId: string) => Awaitable<CrowdDetectorState>;
  /** Whether the service has an open incident (its subscribers were told already). */
  readonly inIncident: (serviceId: string) => boolean;
  readonly log?: Pick<Logger, 'warn'>;
}

/**
 * The commands' `ReportSink`: records the report in the store and, when it is counted, decides
 * whether its community gets its own notice (`communityNoticeDue`, docs/crowd.md §9). The notice
 * is the reply to that very report, posted for the whole chat to see: it reaches the community
 * that reported and nobody else, and needs no delivery of its own. Only a report answered in the
 * chat (`/report`, not the alert button, whose answer on Telegram is a private toast) can carry it.
 *
 * The community's reporters are those of the last `WINDOW_MS` up to the report (a trailing
 * window, so the notice comes with the report that reaches the size of a spike instead of after
 * the next scheduled step). The other communities' reporters are read only when the community's
 * own earn it a notice; when they make a spike together, the service is left alone for
 * `OTHERS_RECHECK_MS` (an alert for everyone is on its way), so a real outage reported from many
 * chats does not read every report again with each new one. The notice is recorded before the
 * reply goes out: a crash in between loses that one notice, never sends it twice.
 */
export class CommunityReportSink implements ReportSink {
  private readonly crowdServices: ReadonlySet<string>;
  /** Services whose reports came from several communities together, until when (epoch ms). */
  private readonly widelyReported = new Map<string, number>();
  /**
   * Notices that were due but could not be recorded (storage failing), by service and community:
   * counted as given for `COMMUNITY_NOTICE_EVERY_MS`, so the community is not counted again with
   * each report while storage fails (its reports may then wait in a long in-memory queue).
   * Expired entries are dropped whenever one is added, so it holds only those still in force.
   */
  private readonly unrecorded = new Map<string, number>();

  /**
   * The end of the last notice decision: decisions run one at a time, as they read and then mark
   * the notice (with an asynchronous store, two reports decided together could both see no notice
   * yet and both get one).
   */
  private decisions: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: CommunityReportSinkDeps) {
    this.crowdServices = new Set(deps.services.filter((s) => s.crowd).map((s) => s.id));
  }

  async record(report: CrowdReport): Promise<ReportOutcome> {
    const outcome = await this.deps.store.record(report);
    if (outcome.kind !== 'counted' || report.answeredInChat !== true) return outcome;
    if (!this.crowdServices.has(report.serviceId)) return outcome;
    // A private chat is one person: there are no "members here" to tell.
    if (isPrivateChat(report)) return outcome;
    const reporters = await this.decideInTurn(report);
    return reporters === null ? outcome : { kind: 'counted', communityNotice: { reporters } };
  }

  /** {@link noticeFor} after the decisions before it have ended. */
  private decideInTurn(report: CrowdReport): Promise<number | null> {
    const decide = (): Promise<number | null> => this.noticeFor(report);
    const next = this.decisions.then(decide, decide);
    this.decisions = next.catch(() => undefined);
    return next;
  }

  /** The community's reporter count when it gets its notice now (and it is recorded); else null. */
  private async noticeFor(report: CrowdReport): Promise<number | null> {
    const { store } = this.deps;
    const inIncident = this.deps.inIncident(report.serviceId);
    const state = await this.deps.detector(report.serviceId);
    // The cheap reasons first: most reports come while an alert is out or the community was told.
    if (inIncident || state.level !== 'none') return null;
    if ((this.widelyReported.get(report.serviceId) ?? -Infinity) > report.at) return null;
    const chatKey = chatKeyOf(report);
    const key = `${report.serviceId}\u0000${chatKey}`;
    if ((this.unrecorded.get(key) ?? -Infinity) > report.at) return null;
    const lastNoticeAt = await store.lastCommunityNotice(report.serviceId, chatKey);
    if (lastNoticeAt !== null && report.at - lastNoticeAt < COMMUNITY_NOTICE_EVERY_MS) return null;
    const from = report.at - WINDOW_MS + 1;
    const to = report.at + 1;
    const input = {
      reporters: await store.communityReporters(report.serviceId, chatKey, from, to),
      expected: expectedCount(state.baseline, from),
      globalLevel: state.level,
      inIncident,
      lastNoticeAt,
      now: report.at,
    };
    if (!communityNoticeDue(input)) return null;
    const others = [...(await store.communityCounts(report.serviceId, from, to))]
      .filter(([key]) => key !== chatKey)
      .map(([, count]) => count);
    if (!communityNoticeDue({ ...input, others })) {
      this.widelyReported.set(report.serviceId, report.at + OTHERS_RECHECK_MS);
      return null;
    }
    const { reporters } = input;
    try {
      await store.markCommunityNotice(report.serviceId, chatKey, report.at);
    } catch (err) {
      // Not recorded, not sent: a notice that could repeat is worse than one missed.
      this.deps.log?.warn({ err, serviceId: report.serviceId }, 'community notice not recorded');
      for (const [k, until] of this.unrecorded) if (until <= report.at) this.unrecorded.delete(k);
      this.unrecorded.set(key, report.at + COMMUNITY_NOTICE_EVERY_MS);
      return null;
    }
    return reporters;
  }
}
