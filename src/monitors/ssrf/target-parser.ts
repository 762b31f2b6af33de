/**
 * Parses what a chat member typed as a monitor target: an http(s) URL, optionally
 * followed by a keyword the page must contain, or `host:port` for a TCP check. Never throws.
 * Hosts come out in WHATWG URL form, which turns every numeric IPv4 trick (`2130706433`,
 * `0x7f.1`, `0177.0.0.1`, `127.1`) into dotted decimal and IPv6 into its compressed form, so
 * the address policy judges the address a connection would really use.
 */
import type { SsrfRefusalReason } from '../../core/i18n/ssrf-messages.js';

/** Longest target accepted, keyword included. */
export const MAX_TARGET_CHARS = 2048;
/** Longest keyword accepted. */
export const MAX_KEYWORD_CHARS = 200;

export type ChatTarget =
  | { readonly kind: 'http'; readonly url: URL; readonly keyword: string | null }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export type TargetRefusal = { readonly ok: false; readonly reason: SsrfRefusalReason };
export type ParsedTarget = { readonly ok: true; readonly target: ChatTarget } | TargetRefusal;

const URL_WITH_AUTHORITY = /^([a-z][a-z0-9+.-]*):\/\//i;
const HOST_PORT = /^(\[[^\]\s]+\]|[^:/\s@?#[\]]+):(\d{1,5})$/;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const refuse = (reason: SsrfRefusalReason): TargetRefusal => ({ ok: false, reason });

/** Parses an http(s) URL as undici would see it; refuses other schemes and credentials. */
export function parseHttpUrl(text: string): { ok: true; url: URL } | TargetRefusal {
  if (!URL.canParse(text)) return refuse('malformed-target');
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('unsupported-scheme');
  if (url.username !== '' || url.password !== '') return refuse('credentials-in-url');
  if (url.hostname === '') return refuse('malformed-target');
  return { ok: true, url };
}

function parseHostPort(host: string, portText: string): ParsedTarget {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return refuse('malformed-target');
  // Normalised through the URL parser, as for http targets (numeric tricks become dotted decimal).
  const probe = `http://${host}/`;
  if (!URL.canParse(probe)) return refuse('malformed-target');
  const hostname = new URL(probe).hostname;
  if (hostname === '') return refuse('malformed-target');
  return { ok: true, target: { kind: 'tcp', host: hostname, port } };
}

/** Parses a typed target. Returns a refusal with its reason for anything that is not allowed. */
export function parseTarget(input: string): ParsedTarget {
  const text = input.trim();
  if (text === '' || text.length > MAX_TARGET_CHARS) return refuse('malformed-target');
  const [first = '', ...rest] = text.split(/\s+/);
  const keyword = rest.join(' ');
  const scheme = URL_WITH_AUTHORITY.exec(first);
  if (scheme !== null) {
    const parsed = parseHttpUrl(first);
    if (!parsed.ok) return parsed;
    if (keyword.length > MAX_KEYWORD_CHARS) return refuse('malformed-target');
    return { ok: true, target: { kind: 'http', url: parsed.url, keyword: keyword === '' ? null : keyword } };
  }
  if (rest.length > 0) return refuse('malformed-target');
  if (first.includes('@')) return refuse('credentials-in-url');
  const hostPort = HOST_PORT.exec(first);
  if (hostPort !== null) return parseHostPort(hostPort[1] ?? '', hostPort[2] ?? '');
  if (ANY_SCHEME.test(first)) return refuse('unsupported-scheme');
  return refuse('malformed-target');
}

/** The target as stored and shown: the URL (with keyword) or `host:port`. */
export function formatTarget(target: ChatTarget): string {
  if (target.kind === 'tcp') return `${target.host}:${target.port}`;
  return target.keyword === null ? target.url.href : `${target.url.href} ${target.keyword}`;
}
