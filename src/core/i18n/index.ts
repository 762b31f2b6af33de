import { bn } from './bn.js';
import { en } from './en.js';
import type { Locale } from './locale.js';
import type { Messages } from './messages.js';

export * from './format.js';
export * from './locale.js';
export * from './messages.js';

/**
 * The registry: one line per language. Adding a language is its file, its code in `LOCALES`
 * and a line here; the compiler points at whatever is missing.
 */
const CATALOGUES: Readonly<Record<Locale, Messages>> = {
  en,
  bn,
};

/** The catalogue of a language. */
export function messagesFor(locale: Locale): Messages {
  return CATALOGUES[locale];
}
