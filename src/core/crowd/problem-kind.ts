/**
 * What kind of problem a crowd report describes, as on Downdetector's report button
 * (connection, message sending, login, app, website). See docs/crowd.md §3.
 */

/** Problem kinds, in the order used to break ties when shares are equal. */
export const PROBLEM_KINDS = ['connection', 'sending', 'login', 'app', 'website', 'other'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/** The kinds a member's words can name; `other` is what is left when none matches. */
export type NamedProblemKind = Exclude<ProblemKind, 'other'>;

/** One kind's share of a window's counted reports, in [0, 1]. */
export interface KindShare {
  readonly kind: ProblemKind;
  readonly share: number;
}

/**
 * Turns per-kind counts into shares for "62% of reports: messages not sending".
 * Kinds with no reports are left out; the largest share comes first, ties in `PROBLEM_KINDS`
 * order. Empty when there are no reports. The wording is produced by the message renderer.
 */
export function summariseKinds(kinds: Readonly<Record<ProblemKind, number>>): KindShare[] {
  const total = PROBLEM_KINDS.reduce((sum, kind) => sum + Math.max(0, kinds[kind]), 0);
  if (total <= 0) return [];
  return PROBLEM_KINDS.filter((kind) => kinds[kind] > 0)
    .map((kind) => ({ kind, share: kinds[kind] / total }))
    .sort((a, b) => b.share - a.share || PROBLEM_KINDS.indexOf(a.kind) - PROBLEM_KINDS.indexOf(b.kind));
}

/** A zero count for every kind: the starting point for counting a window. */
export function emptyKindCounts(): Record<ProblemKind, number> {
  return { connection: 0, sending: 0, login: 0, app: 0, website: 0, other: 0 };
}
