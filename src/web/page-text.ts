import { type Locale, messagesFor } from '../core/i18n/index.js';
import type { PageText } from '../core/i18n/page-text.js';

export type { PageText } from '../core/i18n/page-text.js';

/** The status page's words in a language: they live in its catalogue (`core/i18n/<code>.ts`). */
export function pageTextFor(locale: Locale): PageText {
  return messagesFor(locale).page;
}
