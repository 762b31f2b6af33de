/**
 * What kind of problem a crowd report describes, as on Downdetector's report button
 * (connection, message sending, login, app, website). See docs/crowd.md §3.
 */

/** Problem kinds, in the order used to break ties when shares are equal. */
export const PROBLEM_KINDS = ['connection', 'sending', 'login', 'app', 'website', 'other'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/**
 * Keyword patterns per kind, tried in this order; the first kind with a match wins.
 * The order goes from the most specific symptom to the most generic place: "can't log in on
 * the website" is a login problem, "the app won't connect" a connection problem.
 * English words are matched on word boundaries ("app" must not match "happy"); Bengali is
 * matched as a stem because it inflects by suffix (পাঠাতে, পাঠানো, পাঠাচ্ছি all contain পাঠা),
 * and JavaScript's `\b` only knows ASCII word characters anyway.
 */
const KIND_RULES: readonly {
  readonly kind: ProblemKind;
  readonly english: RegExp;
  readonly bengali: readonly string[];
}[] = [
  {
    kind: 'login',
    english: /\b(log ?-?in|logg?ed ?out|log ?out|sign ?-?in|signed ?out|password|otp|verification|account)/,
    bengali: ['লগইন', 'লগ ইন', 'লগিন', 'লগ আউট', 'সাইন ইন', 'পাসওয়ার্ড', 'ওটিপি', 'অ্যাকাউন্ট', 'একাউন্ট'],
  },
  {
    kind: 'sending',
    english: /\b(send|sent\b|deliver|messag|msg|texts?\b|receiv|ticks?\b|upload)/,
    bengali: ['মেসেজ', 'ম্যাসেজ', 'বার্তা', 'পাঠা', 'সেন্ড', 'ডেলিভার'],
  },
  {
    kind: 'website',
    english: /\b(website|web ?page|web\b|site\b|browser)/,
    bengali: ['ওয়েবসাইট', 'ওয়েব', 'সাইট', 'ব্রাউজার'],
  },
  {
    kind: 'connection',
    english: /(connect|\bnetwork|\boffline\b|\bserver|\binternet\b|\btim(e|ed|ing) ?out)/,
    bengali: ['কানেক্ট', 'কানেকশন', 'সংযোগ', 'নেটওয়ার্ক', 'সার্ভার', 'অফলাইন', 'ইন্টারনেট'],
  },
  {
    kind: 'app',
    english: /\b(apps?\b|application|crash|freez|froze|feed\b|load|open|notification|stor(y|ies)\b)/,
    bengali: ['অ্যাপ', 'এ্যাপ', 'ক্র্যাশ', 'ক্রাশ', 'খুলছে না', 'লোড', 'ফিড'],
  },
];

/**
 * Zero-width joiners and non-joiners: invisible in Bengali text, but they break substring matches.
 * (NFC also matters: য় typed as one code point U+09DF normalises to য + nukta, as in our stems.)
 */
const ZERO_WIDTH = /[\u200c\u200d]/g;

/**
 * Maps a member's free-text description of a problem ("messages not sending", "can't login",
 * "মেসেজ যাচ্ছে না", "লগইন হচ্ছে না") to a problem kind. Never throws; `other` when nothing matches.
 */
export function parseProblemKind(text: string): ProblemKind {
  const normalised = text.normalize('NFC').replace(ZERO_WIDTH, '').toLowerCase();
  for (const rule of KIND_RULES) {
    if (rule.english.test(normalised) || rule.bengali.some((stem) => normalised.includes(stem))) {
      return rule.kind;
    }
  }
  return 'other';
}

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
