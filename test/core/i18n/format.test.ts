import { describe, expect, it } from 'vitest';
import {
  formatDateTime,
  formatDigits,
  formatDuration,
  formatNumber,
  formatPercent,
  formatTime,
  formatTimeOfDay,
  formatUptime,
  isLocale,
  isTimeZone,
  pickLocale,
} from '../../../src/core/i18n/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ASCII_DIGIT = /[0-9]/;
/** 22:50 in Dhaka (UTC+6), the time of the founding report ("রাত ১০টা ৫০"). */
const LATE_EVENING = Date.UTC(2024, 0, 1, 16, 50);

describe('formatDuration', () => {
  it.each([
    [0, '0 seconds', '০ সেকেন্ড'],
    [12_000, '12 seconds', '১২ সেকেন্ড'],
    [2 * MINUTE + 30_000, '2 minutes 30 seconds', '২ মিনিট ৩০ সেকেন্ড'],
    [12 * MINUTE + 30_000, '12 minutes', '১২ মিনিট'],
    [45 * MINUTE, '45 minutes', '৪৫ মিনিট'],
    [HOUR, '1 hour', '১ ঘণ্টা'],
    [HOUR + 5 * MINUTE, '1 hour 5 minutes', '১ ঘণ্টা ৫ মিনিট'],
    [2 * 24 * HOUR + 3 * HOUR + 7 * MINUTE, '2 days 3 hours', '২ দিন ৩ ঘণ্টা'],
    [-5000, '0 seconds', '০ সেকেন্ড'],
    [Number.NaN, '0 seconds', '০ সেকেন্ড'],
  ])('formats %d ms as "%s" / "%s"', (ms, english, bengali) => {
    expect(formatDuration('en', ms)).toBe(english);
    expect(formatDuration('bn', ms)).toBe(bengali);
  });

  it.each([
    [45 * MINUTE, '४५ मिनट'],
    [HOUR + 5 * MINUTE, '१ घंटा ५ मिनट'],
    [2 * 24 * HOUR + 3 * HOUR, '२ दिन ३ घंटे'],
  ])('formats %d ms in Hindi as "%s"', (ms, hindi) => {
    expect(formatDuration('hi', ms)).toBe(hindi);
  });

  it('never writes an ASCII digit in Bengali or Hindi', () => {
    for (let ms = 0; ms < 3 * 24 * HOUR; ms += 7 * MINUTE + 13_000) {
      expect(formatDuration('bn', ms)).not.toMatch(ASCII_DIGIT);
      expect(formatDuration('hi', ms)).not.toMatch(ASCII_DIGIT);
    }
  });
});

describe('times and numbers', () => {
  it('writes a clock time in the chat time zone, Bengali with the part of the day first', () => {
    expect(formatTime('en', LATE_EVENING, 'Asia/Dhaka')).toBe('10:50 PM');
    expect(formatTime('bn', LATE_EVENING, 'Asia/Dhaka')).toBe('রাত্রি ১০:৫০');
    expect(formatTime('bn', LATE_EVENING, 'UTC')).toBe('বিকাল ৪:৫০');
    expect(formatTime('en', LATE_EVENING, 'Asia/Kolkata')).toBe('10:20 PM');
  });

  it('writes dates with the time', () => {
    expect(formatDateTime('en', LATE_EVENING, 'Asia/Dhaka')).toBe('Jan 1, 10:50 PM');
    expect(formatDateTime('bn', LATE_EVENING, 'Asia/Dhaka')).toBe('১ জানু, রাত্রি ১০:৫০');
  });

  it('writes Hindi times with the part of the day first, in Devanagari digits', () => {
    expect(formatTime('hi', LATE_EVENING, 'Asia/Kolkata')).toBe('रात १०:२०');
    expect(formatDateTime('hi', LATE_EVENING, 'Asia/Kolkata')).toBe('१ जन॰, रात १०:२०');
    expect(formatTimeOfDay('hi', 7 * 60)).toBe('सुबह ७:००');
  });

  it('never writes an ASCII digit or a Latin letter in Bengali or Hindi times, whatever the hour', () => {
    for (let at = LATE_EVENING; at < LATE_EVENING + 48 * HOUR; at += 37 * MINUTE) {
      for (const locale of ['bn', 'hi'] as const) {
        expect(formatTime(locale, at, 'Asia/Dhaka')).not.toMatch(/[0-9A-Za-z]/);
        expect(formatDateTime(locale, at, 'Asia/Dhaka')).not.toMatch(/[0-9A-Za-z]/);
      }
    }
  });

  it('writes minutes of the day for quiet hours', () => {
    expect(formatTimeOfDay('en', 23 * 60)).toBe('11:00 PM');
    expect(formatTimeOfDay('bn', 7 * 60)).toBe('সকাল ৭:০০');
  });

  it('writes numbers, percentages and ids in the language digits', () => {
    expect(formatNumber('en', 12345)).toBe('12,345');
    expect(formatNumber('bn', 12345)).toBe('১২,৩৪৫');
    expect(formatPercent('en', 0.62)).toBe('62%');
    expect(formatPercent('bn', 0.62)).toBe('৬২%');
    expect(formatDigits('bn', 12345)).toBe('১২৩৪৫');
    expect(formatNumber('hi', 12345)).toBe('१२,३४५');
    expect(formatPercent('hi', 0.62)).toBe('६२%');
    expect(formatDigits('hi', 12345)).toBe('१२३४५');
  });

  it('writes uptime with two decimals, rounded down so that any failure stays under 100 %', () => {
    expect(formatUptime('en', 0.9995)).toBe('99.95%');
    expect(formatUptime('en', 0.99999)).toBe('99.99%');
    expect(formatUptime('en', 1)).toBe('100.00%');
    expect(formatUptime('en', 0.25)).toBe('25.00%');
    expect(formatUptime('bn', 0.9995)).toBe('৯৯.৯৫%');
    expect(formatUptime('hi', 0.9995)).toBe('९९.९५%');
  });

  it('throws for a time zone Intl does not know', () => {
    expect(() => formatTime('en', LATE_EVENING, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('locales', () => {
  it.each([
    ['bn', 'bn'],
    ['bn-BD', 'bn'],
    ['BN_in', 'bn'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['hi', 'hi'],
    ['hi-IN', 'hi'],
    ['de-DE', 'en'],
    ['pt-br', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ] as const)('picks %s as %s with an English fallback', (hint, expected) => {
    expect(pickLocale(hint, 'en')).toBe(expected);
  });

  it('falls back to the given locale, not always English', () => {
    expect(pickLocale('de', 'bn')).toBe('bn');
  });

  it('knows its locales and the IANA time zones', () => {
    expect(isLocale('bn')).toBe(true);
    expect(isLocale('hi')).toBe(true);
    expect(isLocale('fr')).toBe(false);
    expect(isTimeZone('Asia/Dhaka')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
