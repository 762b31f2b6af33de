import { LOCALES, messagesFor } from '../i18n/index.js';
import type { NamedProblemKind, ProblemKind } from './problem-kind.js';

/**
 * Zero-width joiners and non-joiners: invisible in Bengali and Devanagari text, but they break
 * substring matches. (NFC also matters: য় typed as one code point U+09DF normalises to য + nukta,
 * as the catalogues' stems are normalised.)
 */
const ZERO_WIDTH = /[\u200c\u200d]/g;

/**
 * The kinds in the order they are tried; the first kind with a match in any language wins. The
 * order goes from the most specific symptom to the most generic place: "can't log in on the
 * website" is a login problem, "the app won't connect" a connection problem.
 */
const RULES: readonly { readonly kind: NamedProblemKind; readonly patterns: readonly RegExp[] }[] = (
  ['login', 'sending', 'website', 'connection', 'app'] as const
).map((kind) => ({ kind, patterns: LOCALES.map((l) => messagesFor(l).problemWords[kind]) }));

/**
 * Maps a member's free-text description of a problem ("messages not sending", "can't login",
 * "মেসেজ যাচ্ছে না", "लॉगिन नहीं हो रहा") to a problem kind, with the words of every catalogue
 * (`problemWords`). Never throws; `other` when nothing matches.
 */
export function parseProblemKind(text: string): ProblemKind {
  const normalised = text.normalize('NFC').replace(ZERO_WIDTH, '').toLowerCase();
  return RULES.find((rule) => rule.patterns.some((p) => p.test(normalised)))?.kind ?? 'other';
}
