import type { Telegram } from 'telegraf';
import type { Locale } from '../../core/delivery/ports.js';

/**
 * The command menu Telegram shows, registered with `setMyCommands` once per language
 * (docs/platforms.md §1.2: names 1-32 of `[a-z0-9_]`, descriptions 1-256; `language_code` is
 * ISO 639-1, and `bn` is accepted). English is also the fallback list (no `language_code`).
 * Keyed by every locale, so adding a language without its menu fails to compile.
 */
export const TELEGRAM_COMMAND_NAMES = [
  'start',
  'help',
  'subscribe',
  'unsubscribe',
  'subscriptions',
  'status',
  'incidents',
  'report',
  'services',
  'settings',
  'monitor',
] as const;
export type TelegramCommandName = (typeof TELEGRAM_COMMAND_NAMES)[number];

export const TELEGRAM_COMMAND_DESCRIPTIONS: Readonly<
  Record<Locale, Readonly<Record<TelegramCommandName, string>>>
> = {
  en: {
    start: 'Start: what this bot does',
    help: 'How to use this bot',
    subscribe: 'Get alerts for a service (or all) here — admins',
    unsubscribe: 'Stop alerts for a service (or all) — admins',
    subscriptions: 'What this chat gets alerts for',
    status: 'One service in detail, or an overview of all',
    incidents: 'Recent and ongoing incidents',
    report: 'Report a problem you have with a service',
    services: 'The services being watched',
    settings: 'Language, time zone and quiet hours — admins',
    monitor: 'Watch your own website or server: add, remove, list — admins',
  },
  bn: {
    start: 'শুরু: এই বট কী করে',
    help: 'এই বট কীভাবে ব্যবহার করবেন',
    subscribe: 'এখানে কোনো সেবার (বা সব) সতর্কবার্তা পান — অ্যাডমিন',
    unsubscribe: 'কোনো সেবার (বা সব) সতর্কবার্তা বন্ধ করুন — অ্যাডমিন',
    subscriptions: 'এই চ্যাট কোন সেবার সতর্কবার্তা পায়',
    status: 'একটি সেবার বিস্তারিত, বা সবগুলোর সারসংক্ষেপ',
    incidents: 'সাম্প্রতিক ও চলমান সমস্যা',
    report: 'কোনো সেবায় আপনার সমস্যার খবর দিন',
    services: 'যে সেবাগুলো নজরে রাখা হচ্ছে',
    settings: 'ভাষা, সময় অঞ্চল ও নীরব সময় — অ্যাডমিন',
    monitor: 'নিজের ওয়েবসাইট বা সার্ভার নজরে রাখুন: add, remove, list — অ্যাডমিন',
  },
};

function commandList(locale: Locale): { command: string; description: string }[] {
  const descriptions = TELEGRAM_COMMAND_DESCRIPTIONS[locale];
  return TELEGRAM_COMMAND_NAMES.map((command) => ({ command, description: descriptions[command] }));
}

/** Registers the menu: English as the default list, then one list per other language. Throws the API's error. */
export async function registerTelegramCommands(telegram: Pick<Telegram, 'setMyCommands'>): Promise<void> {
  await telegram.setMyCommands(commandList('en'));
  for (const locale of Object.keys(TELEGRAM_COMMAND_DESCRIPTIONS) as Locale[]) {
    await telegram.setMyCommands(commandList(locale), { language_code: locale });
  }
}
