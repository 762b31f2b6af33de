/**
 * The chat text of `/monitor add|remove|list` results, in English and Bengali. Plain text; the
 * adapters escape it (names and targets are untrusted). Pure, so the command layer calls it with
 * the chat's locale and time zone.
 */
import { formatDateTime, formatDuration, formatNumber } from '../core/i18n/format.js';
import type { Locale } from '../core/i18n/locale.js';
import { describeSsrfRefusal } from '../core/i18n/ssrf-messages.js';
import type { AddMonitorResult, MonitorListing, RemoveMonitorResult } from './chat-monitor-service.js';

export function renderAddResult(locale: Locale, result: AddMonitorResult): string {
  const bn = locale === 'bn';
  switch (result.kind) {
    case 'added': {
      const every = formatDuration(locale, result.monitor.intervalMs);
      return bn
        ? `“${result.monitor.name}” যোগ হয়েছে: ${result.monitor.target}, প্রতি ${every} পরপর পরীক্ষা। এই চ্যাট এর সতর্কবার্তা পাবে।`
        : `Added “${result.monitor.name}”: ${result.monitor.target}, checked every ${every}. This chat gets its alerts.`;
    }
    case 'refused':
      return (
        (bn ? 'এই লক্ষ্য যোগ করা যাবে না। ' : 'This target cannot be added. ') +
        describeSsrfRefusal(locale, result.reason)
      );
    case 'invalid-name':
      return bn
        ? 'নামে শুধু অক্ষর, সংখ্যা, ফাঁকা জায়গা এবং - _ . থাকতে পারে (সর্বোচ্চ ৪০টি)।'
        : 'A name may use letters, digits, spaces and - _ . (up to 40).';
    case 'name-taken':
      return bn
        ? `“${result.name}” নামে একটি মনিটর আগে থেকেই আছে।`
        : `There is already a monitor called “${result.name}”.`;
    case 'limit-reached':
      return bn
        ? `এখানে সর্বোচ্চ ${formatNumber(locale, result.limit)}টি মনিটর রাখা যায়। আগে একটি সরান (/monitor remove)।`
        : `This community can have at most ${result.limit} monitors. Remove one first (/monitor remove).`;
    case 'interval-too-short':
      return bn
        ? `সবচেয়ে ঘন ঘন পরীক্ষা: প্রতি ${formatDuration(locale, result.minIntervalMs)} পরপর।`
        : `Checks can run at most every ${formatDuration(locale, result.minIntervalMs)}.`;
  }
}

export function renderRemoveResult(locale: Locale, result: RemoveMonitorResult): string {
  if (result.kind === 'removed')
    return locale === 'bn' ? `“${result.monitor.name}” সরানো হয়েছে।` : `Removed “${result.monitor.name}”.`;
  return locale === 'bn'
    ? `“${result.name}” নামে কোনো মনিটর নেই।`
    : `There is no monitor called “${result.name}”.`;
}

export function renderListing(locale: Locale, listing: MonitorListing, timeZone: string): string {
  const bn = locale === 'bn';
  const head = bn
    ? `মনিটর (${formatNumber(locale, listing.monitors.length)}/${formatNumber(locale, listing.limit)}):`
    : `Monitors (${listing.monitors.length}/${listing.limit}):`;
  const lines = listing.monitors.map(
    (m) => `• ${m.name}: ${m.target} (${bn ? 'প্রতি ' : 'every '}${formatDuration(locale, m.intervalMs)})`,
  );
  if (lines.length === 0)
    lines.push(
      bn ? 'এখনও কোনো মনিটর নেই। /monitor add দিয়ে যোগ করুন।' : 'None yet. Add one with /monitor add.',
    );
  const audit = listing.audit.map((a) => {
    const when = formatDateTime(locale, a.at, timeZone);
    const what = a.action === 'add' ? (bn ? 'যোগ করেছেন' : 'added') : bn ? 'সরিয়েছেন' : 'removed';
    return `${when}: ${a.actor} ${what} “${a.name}”`;
  });
  return [
    head,
    ...lines,
    ...(audit.length > 0 ? ['', bn ? 'সাম্প্রতিক পরিবর্তন:' : 'Recent changes:', ...audit] : []),
  ].join('\n');
}
