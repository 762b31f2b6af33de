import type { Locale } from './locale.js';

/**
 * Why a chat-added monitor target is refused. One `as const` array feeds the type and
 * the texts below; the machine reason is stable (tests and logs use it), the text is for the chat.
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

const EN: Readonly<Record<SsrfRefusalReason, string>> = {
  'malformed-target': 'This is not a target I understand. Use https://example.com/ or host:port.',
  'unsupported-scheme': 'Only http://, https:// and host:port (TCP) targets can be watched.',
  'credentials-in-url': 'Targets with a user name or password in the URL are not accepted.',
  'internal-name': 'This name points inside a private network, so it cannot be watched.',
  'cloud-metadata': 'This is a cloud metadata address, which is never watched.',
  loopback: 'This address is the bot’s own machine (loopback), so it cannot be watched.',
  private: 'This address is in a private network (RFC 1918), so it cannot be watched.',
  cgnat: 'This address is in the carrier-grade NAT range (100.64.0.0/10), so it cannot be watched.',
  'link-local': 'This is a link-local address, so it cannot be watched.',
  multicast: 'This is a multicast address, so it cannot be watched.',
  broadcast: 'This is a broadcast address, so it cannot be watched.',
  unspecified: 'This is an unspecified address (0.0.0.0 or ::), so it cannot be watched.',
  reserved: 'This address is reserved (documentation, benchmarking or future use), so it cannot be watched.',
  'unique-local': 'This is a private IPv6 address (unique local), so it cannot be watched.',
  'site-local': 'This is a site-local IPv6 address, so it cannot be watched.',
  'ipv6-transition':
    'This IPv6 address wraps an IPv4 address (mapped, 6to4, Teredo or NAT64); use the plain address.',
  'dns-failed': 'The name could not be resolved.',
  'no-address': 'The name has no address.',
};

const BN: Readonly<Record<SsrfRefusalReason, string>> = {
  'malformed-target': 'এই লক্ষ্যটি বোঝা গেল না। https://example.com/ অথবা host:port লিখুন।',
  'unsupported-scheme': 'শুধু http://, https:// এবং host:port (TCP) লক্ষ্য নজরে রাখা যায়।',
  'credentials-in-url': 'URL-এ ব্যবহারকারীর নাম বা পাসওয়ার্ড থাকলে তা গ্রহণ করা হয় না।',
  'internal-name': 'এই নামটি একটি ব্যক্তিগত নেটওয়ার্কের ভেতরে নির্দেশ করে, তাই নজরে রাখা যাবে না।',
  'cloud-metadata': 'এটি একটি ক্লাউড মেটাডেটা ঠিকানা, এটি কখনও নজরে রাখা হয় না।',
  loopback: 'এই ঠিকানাটি বটের নিজের যন্ত্র (লুপব্যাক), তাই নজরে রাখা যাবে না।',
  private: 'এই ঠিকানাটি একটি ব্যক্তিগত নেটওয়ার্কে (RFC 1918), তাই নজরে রাখা যাবে না।',
  cgnat: 'এই ঠিকানাটি ক্যারিয়ার-গ্রেড NAT পরিসরে (100.64.0.0/10), তাই নজরে রাখা যাবে না।',
  'link-local': 'এটি একটি লিংক-লোকাল ঠিকানা, তাই নজরে রাখা যাবে না।',
  multicast: 'এটি একটি মাল্টিকাস্ট ঠিকানা, তাই নজরে রাখা যাবে না।',
  broadcast: 'এটি একটি ব্রডকাস্ট ঠিকানা, তাই নজরে রাখা যাবে না।',
  unspecified: 'এটি একটি অনির্দিষ্ট ঠিকানা (0.0.0.0 বা ::), তাই নজরে রাখা যাবে না।',
  reserved: 'এই ঠিকানাটি সংরক্ষিত (ডকুমেন্টেশন, বেঞ্চমার্ক বা ভবিষ্যতের জন্য), তাই নজরে রাখা যাবে না।',
  'unique-local': 'এটি একটি ব্যক্তিগত IPv6 ঠিকানা (ইউনিক লোকাল), তাই নজরে রাখা যাবে না।',
  'site-local': 'এটি একটি সাইট-লোকাল IPv6 ঠিকানা, তাই নজরে রাখা যাবে না।',
  'ipv6-transition':
    'এই IPv6 ঠিকানার ভেতরে একটি IPv4 ঠিকানা আছে (mapped, 6to4, Teredo বা NAT64); সরাসরি ঠিকানাটি দিন।',
  'dns-failed': 'নামটির ঠিকানা খুঁজে পাওয়া গেল না।',
  'no-address': 'নামটির কোনো ঠিকানা নেই।',
};

const TEXTS: Readonly<Record<Locale, Readonly<Record<SsrfRefusalReason, string>>>> = { en: EN, bn: BN };

/** The chat text for a refused target, in the chat's language. Plain text; renderers escape it. */
export function describeSsrfRefusal(locale: Locale, reason: SsrfRefusalReason): string {
  return TEXTS[locale][reason];
}
