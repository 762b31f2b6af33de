/**
 * `/watch` reads a page once before adding it: through the SSRF guard (every hop vetted, connections
 * only to vetted addresses), with the status-page probe's fetch, detection and parsers. The answer
 * says which feed it is and which components it lists, or what was found instead.
 */
import { Agent } from 'undici';
import type { WatchFinding } from '../core/i18n/messages.js';
import { fetchPage, MAX_STATUS_BODY_BYTES } from '../monitors/probes/status-page-probe.js';
import { httpUserAgent } from '../monitors/probes/http-probe.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { createConnectionGuard } from '../monitors/ssrf/ssrf-guard.js';
import { decodeStatusBody, parseStatusResponse } from '../sources/parse-status.js';
import { sniffBody } from '../sources/detect-format.js';
import type { StatusSourceKind } from '../sources/registry.js';

export type PageInspection =
  | {
      readonly ok: true;
      /** The URL that was read (the one asked, or its Statuspage `/api/v2/summary.json`). */
      readonly url: string;
      readonly format: StatusSourceKind;
      /** Component and component-group names, in the page's order, each once. */
      readonly components: readonly string[];
    }
  | { readonly ok: false; readonly found: WatchFinding };

/** Reads a page once; never throws. */
export type PageInspector = (url: URL, signal: AbortSignal) => Promise<PageInspection>;

/** Where a Statuspage page keeps its machine-readable summary. */
export const STATUSPAGE_SUMMARY_PATH = '/api/v2/summary.json';

/**
 * The inspector used in production: reads `url`; when that is an HTML page, reads the same host's
 * `/api/v2/summary.json` too (a Statuspage page given as the page people read). The first finding
 * is the one reported when neither is a status feed.
 */
export function createPageInspector(
  guard: SsrfGuardDeps,
  deps: { readonly now: () => number },
): PageInspector {
  return async (url, signal) => {
    const first = await readOnce(url, guard, deps.now(), signal);
    if (first.ok || first.found.kind !== 'html') return first;
    const summary = new URL(STATUSPAGE_SUMMARY_PATH, url);
    if (summary.href === url.href) return first;
    const second = await readOnce(summary, guard, deps.now(), signal);
    return second.ok ? second : first;
  };
}

async function readOnce(
  url: URL,
  guardDeps: SsrfGuardDeps,
  now: number,
  signal: AbortSignal,
): Promise<PageInspection> {
  const guard = createConnectionGuard(guardDeps);
  const agent = new Agent({ connect: { lookup: guard.lookup } });
  try {
    const fetched = await fetchPage(
      url,
      MAX_STATUS_BODY_BYTES,
      agent,
      signal,
      performance.now(),
      httpUserAgent(undefined),
      guard,
    );
    if (!fetched.ok) {
      const { reason, facts } = fetched.outcome;
      const status = facts?.statusCode;
      return reason === 'http-status' && typeof status === 'number'
        ? { ok: false, found: { kind: 'http-status', status } }
        : { ok: false, found: { kind: 'unreachable' } };
    }
    const page = fetched.value;
    const text = decodeStatusBody(page.body, page.contentType);
    const sniffed = sniffBody(text, page.contentType);
    if (sniffed.kind === null) return { ok: false, found: { kind: findingOf(text) } };
    const snapshot = parseStatusResponse(
      { httpStatus: 200, contentType: page.contentType, body: text, now, sourceUrl: page.url },
      sniffed.kind,
    );
    if (snapshot.problem !== undefined) return { ok: false, found: { kind: 'unreadable' } };
    const names = new Map<string, string>();
    for (const c of snapshot.components) {
      for (const name of [c.groupName, c.name]) {
        if (name !== undefined && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
      }
    }
    return { ok: true, url: page.url, format: sniffed.kind, components: [...names.values()] };
  } catch {
    return { ok: false, found: { kind: 'unreachable' } };
  } finally {
    await agent.destroy();
  }
}

/** What a body that is no status feed looks like, in words every catalogue has. */
function findingOf(body: string): Exclude<WatchFinding['kind'], 'http-status'> {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text === '') return 'empty';
  const head = text.slice(0, 512).toLowerCase();
  if (head.startsWith('<!doctype html') || head.includes('<html')) return 'html';
  if (text.startsWith('<')) return 'other-xml';
  if (text.startsWith('{') || text.startsWith('[')) return 'unknown-json';
  return 'other';
}
