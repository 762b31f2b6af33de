/**
 * Which crowd reports count. Downdetector "only accepts the first report for a specific company
 * from a single user"; we do the same per 30 minutes, so one person counts at most once in any
 * detection window and again only if the problem lasts. See docs/crowd.md §2.
 */

/** One report per user per service per this long counts. */
export const REPORT_DEDUP_MS = 30 * 60_000;

/**
 * Whether a report by one user for one service at `at` (epoch ms) counts.
 *
 * `previousReportsOfUserForService` must be that user's earlier *admitted* reports for that
 * service (rejected ones are not evidence and must not extend the quiet period). A previous
 * report less than `REPORT_DEDUP_MS` away in either direction blocks this one; the symmetric
 * check keeps a report stamped slightly in the past (clock skew between adapters) from
 * counting twice.
 */
export function admitReport(previousReportsOfUserForService: readonly { at: number }[], at: number): boolean {
  return previousReportsOfUserForService.every((previous) => Math.abs(at - previous.at) >= REPORT_DEDUP_MS);
}
