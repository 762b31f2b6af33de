/**
 * Numbers, durations and times through `Intl`, so each language gets its own digits
 * (Bengali: ০-৯, Hindi: ०-९) and words. Pure: every time is an argument. Formatters are cached
 * because building an `Intl` object costs far more than using one. The functions here take a
 * language's `LocaleFormat` (its catalogue's `format`); `index.ts` wraps them to take a `Locale`.
 */

/** How a language writes numbers and times; each catalogue has one (`Messages.format`). */
export interface LocaleFormat {
  /**
   * The BCP 47 tag `Intl` formats with; its `-u-nu-` extension picks the digits when the
   * language's default is not its own script: `bn` (ICU writes ০-৯ already), `hi-u-nu-deva` (०-९).
   */
  readonly intlLocale: string;
  /**
   * The clock names the part of the day first, as people write it (`রাত্রি ১০:৫০`, `रात १०:५०`),
   * instead of ICU's default, which for these languages is a Latin `PM`.
   */
  readonly dayPeriodFirst: boolean;
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: LocaleFormat, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale.intlLocale}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (format === undefined) {
    format = new Intl.NumberFormat(locale.intlLocale, options);
    cache.set(key, format);
  }
  return format;
}

function dateTimeFormat(locale: LocaleFormat, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale.intlLocale}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale.intlLocale, options);
    cache.set(key, format);
  }
  return format;
}

/** An integer or decimal in the locale's digits: `1,234` / `১,২৩৪`. */
export function formatNumber(locale: LocaleFormat, n: number): string {
  return numberFormat(locale, { maximumFractionDigits: 1 }).format(n);
}

/** An identifier-like number without grouping separators: `1234` / `১২৩৪` (incident #ids). */
export function formatDigits(locale: LocaleFormat, n: number): string {
  return numberFormat(locale, { useGrouping: false, maximumFractionDigits: 0 }).format(n);
}

/** A share in [0, 1] as a whole percentage: `62%` / `৬২%`. */
export function formatPercent(locale: LocaleFormat, share: number): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/**
 * An uptime share in [0, 1] as a percentage with two decimals, rounded down so that a period with
 * any failed check never reads `100.00%`: `99.95%` / `৯৯.৯৫%`.
 */
export function formatUptime(locale: LocaleFormat, share: number): string {
  // The small epsilon keeps binary fractions such as 0.9995 * 10,000 = 9994.999… on their decimal.
  const floored = Math.floor(Math.min(1, Math.max(0, share)) * 10_000 + 1e-7) / 10_000;
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(floored);
}

const UNITS = [
  { unit: 'day', ms: 86_400_000 },
  { unit: 'hour', ms: 3_600_000 },
  { unit: 'minute', ms: 60_000 },
  { unit: 'second', ms: 1000 },
] as const;

/**
 * A duration in words, at most two units, the smaller only when it still matters:
 * `45 minutes`, `1 hour 5 minutes`, `2 days 3 hours`, `2 minutes 30 seconds` (seconds only under
 * ten minutes; what is left out is dropped, not rounded) / `৪৫ মিনিট`, `১ ঘণ্টা ৫ মিনিট`. Negative or
 * non-finite input reads as zero.
 */
export function formatDuration(locale: LocaleFormat, ms: number): string {
  const totalSeconds = Number.isFinite(ms) ? Math.max(0, Math.round(ms / 1000)) : 0;
  const amounts = UNITS.map(({ unit, ms: unitMs }, i) => ({
    unit,
    amount: Math.floor((totalSeconds % ((UNITS[i - 1]?.ms ?? Infinity) / 1000)) / (unitMs / 1000)),
  }));
  const first = amounts.findIndex((a) => a.amount > 0);
  const head = amounts[first];
  if (head === undefined) return unitText(locale, 'second', 0);
  const next = amounts[first + 1];
  // Seconds matter in short durations only: `2 minutes 30 seconds`, but `12 minutes`.
  const showNext = next !== undefined && next.amount > 0 && !(next.unit === 'second' && head.amount >= 10);
  return (showNext ? [head, next] : [head]).map((p) => unitText(locale, p.unit, p.amount)).join(' ');
}

function unitText(locale: LocaleFormat, unit: (typeof UNITS)[number]['unit'], amount: number): string {
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(amount);
}

/**
 * A clock time in a time zone: `10:50 PM` / `রাত্রি ১০:৫০`.
 * Throws RangeError for a time zone Intl does not know (check settings with `isTimeZone`).
 */
export function formatTime(locale: LocaleFormat, epochMs: number, timeZone: string): string {
  if (!locale.dayPeriodFirst) {
    return dateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' }).format(epochMs);
  }
  const parts = dateTimeFormat(locale, {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    dayPeriod: 'short',
  }).formatToParts(epochMs);
  const period = parts.find((p) => p.type === 'dayPeriod')?.value;
  const clock = parts
    .filter((p) => p.type !== 'dayPeriod')
    .map((p) => p.value)
    .join('')
    .trim();
  return period === undefined ? clock : `${period} ${clock}`;
}

/** A date and clock time in a time zone: `Jan 1, 10:50 PM` / `১ জানু, রাত্রি ১০:৫০`. Throws like `formatTime`. */
export function formatDateTime(locale: LocaleFormat, epochMs: number, timeZone: string): string {
  const date = dateTimeFormat(locale, { timeZone, month: 'short', day: 'numeric' }).format(epochMs);
  return `${date}, ${formatTime(locale, epochMs, timeZone)}`;
}

/** A minute of the day (0-1439), e.g. for quiet hours: `11:00 PM` / `রাত্রি ১১:০০`. */
export function formatTimeOfDay(locale: LocaleFormat, minuteOfDay: number): string {
  return formatTime(locale, minuteOfDay * 60_000, 'UTC');
}

/** Whether Intl knows an IANA time zone name (`Asia/Dhaka`, `UTC`); `Mars/Olympus` is not one. */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
