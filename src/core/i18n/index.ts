import { bn } from './bn.js';
import { en } from './en.js';
import * as format from './format.js';
import { hi } from './hi.js';
import type { Catalogue } from './messages.js';

export { isTimeZone, type LocaleFormat } from './format.js';
export * from './messages.js';
export type { PageText } from './page-text.js';

/**
 * The languages the bot speaks: one line each, the first is the default. A language is its file
 * (`<code>.ts`, a `Messages` object) and its entry here; `Locale`, `LOCALES`, the env's
 * `DEFAULT_LOCALE`, `?lang=`, `/settings language`, Discord's choices and the page's switch all
 * read this list.
 */
const CATALOGUES = [en, bn, hi] as const;

/** A language code the bot speaks: `en`, `bn`, `hi`. */
export type Locale = (typeof CATALOGUES)[number]['locale'];

/** Everything the bot says in one of its languages (see `Catalogue` in messages.ts). */
export type Messages = Catalogue<Locale>;

/** Every language code, in the list's order (the first is the default). */
export const LOCALES: readonly [Locale, ...Locale[]] = [
  CATALOGUES[0].locale,
  ...CATALOGUES.slice(1).map((c) => c.locale),
];

const BY_LOCALE: ReadonlyMap<string, Messages> = new Map(CATALOGUES.map((c) => [c.locale, c]));

export function isLocale(value: string): value is Locale {
  return BY_LOCALE.has(value);
}

/** The catalogue of a language. */
export function messagesFor(locale: Locale): Messages {
  const messages = BY_LOCALE.get(locale);
  if (messages === undefined) throw new RangeError(`no catalogue for locale ${JSON.stringify(locale)}`);
  return messages;
}

/**
 * Picks our locale from a platform's language hint: Telegram's `from.language_code` (`bn`,
 * `bn-BD`, `pt-br`), Discord's interaction `locale` (`en-US`, `hi`; Discord has no `bn`, see
 * docs/platforms.md §1.1) or a browser's `Accept-Language` entry. Only the primary subtag counts,
 * matched against each catalogue's `hints`; anything we do not speak gives `fallback`.
 */
export function pickLocale(hint: string | undefined, fallback: Locale): Locale {
  if (hint === undefined) return fallback;
  const primary = hint.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return CATALOGUES.find((c) => c.hints.includes(primary))?.locale ?? fallback;
}

/*
 * The formatters by language code, for callers outside the catalogues (the status page, charts,
 * the demo): each uses the language's `format` (its digits and clock style).
 */
const fmt = (locale: Locale): format.LocaleFormat => messagesFor(locale).format;

/** An integer or decimal in the locale's digits: `1,234` / `১,২৩৪` / `१,२३४`. */
export const formatNumber = (locale: Locale, n: number): string => format.formatNumber(fmt(locale), n);
/** An identifier-like number without grouping separators: `1234` / `১২৩৪` (incident #ids). */
export const formatDigits = (locale: Locale, n: number): string => format.formatDigits(fmt(locale), n);
/** A share in [0, 1] as a whole percentage: `62%` / `৬২%`. */
export const formatPercent = (locale: Locale, share: number): string =>
  format.formatPercent(fmt(locale), share);
/** An uptime share with two decimals, rounded down: `99.95%` / `৯৯.৯৫%` / `९९.९५%`. */
export const formatUptime = (locale: Locale, share: number): string =>
  format.formatUptime(fmt(locale), share);
/** A duration in words, at most two units: `1 hour 5 minutes` / `১ ঘণ্টা ৫ মিনিট`. */
export const formatDuration = (locale: Locale, ms: number): string => format.formatDuration(fmt(locale), ms);
/** A clock time in a time zone: `10:50 PM` / `রাত্রি ১০:৫০`. Throws RangeError for an unknown zone. */
export const formatTime = (locale: Locale, epochMs: number, timeZone: string): string =>
  format.formatTime(fmt(locale), epochMs, timeZone);
/** A date and clock time in a time zone: `Jan 1, 10:50 PM`. Throws like `formatTime`. */
export const formatDateTime = (locale: Locale, epochMs: number, timeZone: string): string =>
  format.formatDateTime(fmt(locale), epochMs, timeZone);
/** A minute of the day (0-1439), e.g. for quiet hours: `11:00 PM` / `রাত্রি ১১:০০`. */
export const formatTimeOfDay = (locale: Locale, minuteOfDay: number): string =>
  format.formatTimeOfDay(fmt(locale), minuteOfDay);
