import type { QuietHours } from '../delivery/ports.js';
import { isRemindPace } from '../delivery/reminders.js';
import { formatDigits, LOCALES, messagesFor, type Locale } from '../i18n/index.js';
import { SEVERITIES, type Severity } from '../model.js';

/**
 * Validation of `/settings` and `/subscribe` values, once, at the command boundary.
 * Errors 4). Each parser returns the value to store, or null for input it refuses; `off`
 * values come back as `{ off: true }` so that "turn it off" and "invalid" stay different.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const refused: Parsed<never> = { ok: false };

/** Words that turn a setting off, in every language (each catalogue's `offWords`). */
const OFF_WORDS: ReadonlySet<string> = new Set(LOCALES.flatMap((l) => messagesFor(l).offWords));
export const isOffWord = (text: string): boolean => OFF_WORDS.has(text.trim().toLowerCase());

/** `minor` or `major`, any case. */
export function parseSeverity(text: string): Parsed<Severity> {
  const word = text.trim().toLowerCase();
  return (SEVERITIES as readonly string[]).includes(word) ? ok(word as Severity) : refused;
}

/**
 * A language code (`bn`, `en-GB`), a language's own name (`English`, `বাংলা`, `हिन्दी`) or one of
 * its catalogue's `languageAliases` (`Bangla`, `hindi`).
 */
export function parseLanguage(text: string): Parsed<Locale> {
  const word = text.trim().toLowerCase();
  const primary = word.split(/[-_]/)[0] ?? '';
  const byName = LOCALES.find((l) => {
    const m = messagesFor(l);
    return m.languageName.toLowerCase() === word || m.languageAliases.includes(word);
  });
  if (byName) return ok(byName);
  const byCode = LOCALES.find((l) => l === primary);
  return byCode ? ok(byCode) : refused;
}

/** IANA zone names are at most ~30 characters (`America/Argentina/ComodRivadavia`); more is not a zone. */
const MAX_TIME_ZONE_CHARS = 64;

/**
 * An IANA time zone Intl knows, spelled as the user meant it. ICU canonicalises to old names
 * (`Asia/Kolkata` → `Asia/Calcutta`), so its answer is used only to fix the case of a name typed
 * in lower case. Numeric offsets are refused: they ignore daylight saving.
 */
export function parseTimeZone(text: string): Parsed<string> {
  const given = text.trim();
  if (given === '' || given.length > MAX_TIME_ZONE_CHARS || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(given))
    return refused;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: given }).resolvedOptions().timeZone;
  } catch {
    return refused;
  }
  const lower = given.toLowerCase();
  if (resolved.toLowerCase() === lower) return ok(resolved);
  const listed = Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === lower);
  if (listed !== undefined) return ok(listed);
  return ok(/[A-Z]/.test(given) ? given : titleCase(given));
}

/** `asia/kolkata` → `Asia/Kolkata`: how IANA names are spelled (Intl accepts any case). */
const titleCase = (zone: string): string =>
  zone.replace(/(^|[/_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());

const MINUTES_PER_DAY = 24 * 60;
/**
 * Each language's digits (`০`-`৯`, `०`-`९`) as their values, from its own formatter: a time typed
 * in the chat's script reads like ASCII digits.
 */
const DIGIT_VALUES: ReadonlyMap<string, string> = new Map(
  LOCALES.flatMap((l) =>
    Array.from({ length: 10 }, (_, d) => [formatDigits(l, d), String(d)] as const).filter(
      ([glyph, ascii]) => glyph !== ascii,
    ),
  ),
);
/**
 * `text` with every digit of our languages' scripts as its ASCII digit (`২h` → `2h`), so what a chat
 * types in its own script (a time, a duration, a pace) reads as the ASCII form.
 */
export const toAsciiDigits = (text: string): string =>
  Array.from(text, (c) => DIGIT_VALUES.get(c) ?? c).join('');
const QUIET_RANGE = /^(\d{1,2})(?:[:.](\d{2}))?(?:\s*[-–—]\s*|\s+to\s+)(\d{1,2})(?:[:.](\d{2}))?$/iu;

/** `22:00-07:00` (also `22-7`, `22.30–07.15`, `22:00 to 07:00`, Bengali or Hindi digits) or an off word (null). */
export function parseQuietHours(text: string): Parsed<QuietHours | null> {
  const given = text.trim();
  if (isOffWord(given)) return ok(null);
  const ascii = toAsciiDigits(given);
  const m = QUIET_RANGE.exec(ascii);
  if (!m) return refused;
  const start = minuteOfDay(m[1], m[2]);
  const end = minuteOfDay(m[3], m[4]);
  if (start === null || end === null || start === end) return refused;
  return ok({ startMinute: start, endMinute: end });
}

/** Minutes after midnight; `24:00` is midnight; null when out of range. */
function minuteOfDay(hours: string | undefined, minutes: string | undefined): number | null {
  const h = Number(hours);
  const min = Number(minutes ?? '0');
  if (!Number.isInteger(h) || !Number.isInteger(min) || min > 59) return null;
  if (h === 24 && min === 0) return 0;
  if (h > 23) return null;
  return (h * 60 + min) % MINUTES_PER_DAY;
}

/** A Discord role: its snowflake id or its mention `<@&id>`; null turns the mention off. */
export function parseRoleId(text: string): Parsed<string | null> {
  const given = text.trim();
  if (isOffWord(given)) return ok(null);
  const m = /^(?:<@&)?(\d{17,20})>?$/.exec(given);
  return m?.[1] !== undefined && given.startsWith('<@&') === given.endsWith('>') ? ok(m[1]) : refused;
}

const REMIND_PACE = /^(\d{1,4})\s*(m|min|mins|minutes?|h|hr|hrs|hours?)$/i;

/**
 * A still-down reminder pace (`/settings remind`): `30m`, `1h`, `2h` or `4h` (also `60m`, `2 hours`,
 * Bengali or Hindi digits), as minutes; an off word is null. Any other pace is refused, so the
 * reply can list the ones offered.
 */
export function parseRemindPace(text: string): Parsed<number | null> {
  const given = text.trim();
  if (isOffWord(given)) return ok(null);
  const m = REMIND_PACE.exec(toAsciiDigits(given));
  if (!m) return refused;
  const minutes = Number(m[1]) * (m[2]!.toLowerCase().startsWith('h') ? 60 : 1);
  return isRemindPace(minutes) ? ok(minutes) : refused;
}
