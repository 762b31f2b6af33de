import type { WatchFinding } from '../core/i18n/messages.js';
import { sniffBody } from './detect-format.js';
import { decodeStatusBody, parseStatusResponse, type StatusResponse } from './parse-status.js';
import type { StatusSourceKind } from './registry.js';

/** What a body that is no status feed (or one that cannot be read) was found to be. */
export type BodyFinding = Exclude<WatchFinding['kind'], 'http-status' | 'unreachable'>;

/** What `/watch` learns from a page's body: its format and component names, or what it is instead. */
export type StatusInspection =
  | {
      readonly ok: true;
      readonly format: StatusSourceKind;
      /** Component and component-group names, in the page's order, each once. */
      readonly components: readonly string[];
    }
  | { readonly ok: false; readonly found: BodyFinding };

/**
 * A fetched page's body → its format and component names, or what it is instead. Pure and
 * synchronous, like `parseStatusNow`: `/watch` runs it inline for small bodies and on the parse
 * worker for big ones (`inspectStatusResponseOffThread`), so a hostile page never holds the loop.
 */
export function inspectStatusNow(response: StatusResponse): StatusInspection {
  const text = decodeStatusBody(response.body, response.contentType);
  const sniffed = sniffBody(text, response.contentType);
  if (sniffed.kind === null) return { ok: false, found: findingOf(text) };
  const snapshot = parseStatusResponse({ ...response, body: text }, sniffed.kind);
  if (snapshot.problem !== undefined) return { ok: false, found: 'unreadable' };
  const names = new Map<string, string>();
  for (const c of snapshot.components) {
    for (const name of [c.groupName, c.name]) {
      if (name !== undefined && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
    }
  }
  return { ok: true, format: sniffed.kind, components: [...names.values()] };
}

/** What a body that is no status feed looks like, in words every catalogue has. */
function findingOf(body: string): Exclude<BodyFinding, 'unreadable'> {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text === '') return 'empty';
  const head = text.slice(0, 512).toLowerCase();
  if (head.startsWith('<!doctype html') || head.includes('<html')) return 'html';
  if (text.startsWith('<')) return 'other-xml';
  if (text.startsWith('{') || text.startsWith('[')) return 'unknown-json';
  return 'other';
}
