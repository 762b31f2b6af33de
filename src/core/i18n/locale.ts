/**
 * The languages the bot speaks. One `as const` array feeds the type, zod enums and the catalogue
 * registry (`index.ts`), so the compiler refuses a locale without its catalogue.
 */
export const LOCALES = ['en', 'bn'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/**
 * Picks our locale from a platform's language hint: Telegram's `from.language_code` (`bn`,
 * `bn-BD`, `pt-br`) or Discord's interaction `locale` (`en-US`, `hi`; Discord has no `bn`, see
 * docs/platforms.md §1.1). Only the primary subtag counts; anything we do not speak gives `fallback`.
 */
export function pickLocale(hint: string | undefined, fallback: Locale): Locale {
  if (hint === undefined) return fallback;
  const primary = hint.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return isLocale(primary) ? primary : fallback;
}
