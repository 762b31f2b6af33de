import { messagesFor, type Locale } from './index.js';

/**
 * Why a chat-added monitor target is refused. One `as const` array feeds the type and each
 * catalogue's `ssrf` texts; the machine reason is stable (tests and logs use it), the text is for the chat.
 */
export const SSRF_REFUSAL_REASONS = [
  'malformed-target',
  'unsupported-scheme',
  'credentials-in-url',
  'internal-name',
  'cloud-metadata',
  'loopback',
  'private',
  'cgnat',
  'link-local',
  'multicast',
  'broadcast',
  'unspecified',
  'reserved',
  'unique-local',
  'site-local',
  'ipv6-transition',
  'dns-failed',
  'no-address',
] as const;
export type SsrfRefusalReason = (typeof SSRF_REFUSAL_REASONS)[number];

/** The chat text for a refused target, in the chat's language. Plain text; renderers escape it. */
export function describeSsrfRefusal(locale: Locale, reason: SsrfRefusalReason): string {
  return messagesFor(locale).ssrf[reason];
}
