import { messagesFor, type Locale } from './index.js';
import type { SsrfRefusalReason } from './ssrf-reasons.js';

export { SSRF_REFUSAL_REASONS, type SsrfRefusalReason } from './ssrf-reasons.js';

/** The chat text for a refused target, in the chat's language. Plain text; renderers escape it. */
export function describeSsrfRefusal(locale: Locale, reason: SsrfRefusalReason): string {
  return messagesFor(locale).ssrf[reason];
}
