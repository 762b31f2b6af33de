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
