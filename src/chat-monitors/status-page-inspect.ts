/**
 * `/watch` reads a page once before adding it: through the SSRF guard (every hop vetted, connections
 * only to vetted addresses), with the status-page probe's fetch, detection and parsers (a big body
 * on the parse worker, as the page's checks are). The answer says which feed it is and which
 * components it lists, or what was found instead.
 */
import { Agent } from 'undici';
import type { WatchFinding } from '../core/i18n/messages.js';
import { inspectStatusResponseOffThread } from '../monitors/probes/parse-worker.js';
import { fetchPage, MAX_STATUS_BODY_BYTES } from '../monitors/probes/status-page-probe.js';
import { httpUserAgent } from '../monitors/probes/http-probe.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { createConnectionGuard } from '../monitors/ssrf/ssrf-guard.js';
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
    // Decoding, detecting and parsing a big body go to the parse worker, as the page's checks do.
    const inspected = await inspectStatusResponseOffThread(
      { httpStatus: 200, contentType: page.contentType, body: page.body, now, sourceUrl: page.url },
      { signal },
    );
    if (!inspected.ok) return { ok: false, found: { kind: inspected.found } };
    return { ok: true, url: page.url, format: inspected.format, components: inspected.components };
  } catch {
    return { ok: false, found: { kind: 'unreachable' } };
  } finally {
    await agent.destroy();
  }
}
