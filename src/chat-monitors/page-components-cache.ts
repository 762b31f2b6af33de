/**
 * `/watch`'s component autocomplete reads the page typed in its `url` option. Each keystroke in the
 * components option asks again, so the names are kept per URL for a few minutes (a bounded number
 * of URLs, the oldest dropped first), one read per URL is in flight at a time, and only a few reads
 * at all. A caller waits at most `waitMs`: a slower read answers nothing now and fills the cache for
 * the next keystroke (Discord drops an autocomplete not answered within 3 seconds).
 */

/** How long a page's names are kept: long enough for one person's typing, short for a page's edits. */
export const PAGE_COMPONENTS_TTL_MS = 5 * 60_000;
/** Pages kept at once. */
export const MAX_CACHED_PAGES = 100;
/** Pages read at once; beyond this a new URL is offered nothing (and not read). */
export const MAX_PAGE_READS = 4;

export interface PageComponentsCacheDeps {
  /** Reads a page's component names; empty when it is refused or no status page. */
  readonly load: (url: string) => Promise<readonly string[]>;
  readonly now: () => number;
  readonly ttlMs?: number;
  readonly maxPages?: number;
  readonly maxReads?: number;
}

export class PageComponentsCache {
  private readonly kept = new Map<string, { readonly at: number; readonly names: readonly string[] }>();
  private readonly reading = new Map<string, Promise<readonly string[]>>();
  private readonly ttlMs: number;
  private readonly maxPages: number;
  private readonly maxReads: number;

  constructor(private readonly deps: PageComponentsCacheDeps) {
    this.ttlMs = deps.ttlMs ?? PAGE_COMPONENTS_TTL_MS;
    this.maxPages = Math.max(1, deps.maxPages ?? MAX_CACHED_PAGES);
    this.maxReads = Math.max(1, deps.maxReads ?? MAX_PAGE_READS);
  }

  /** The names kept for `url`, else those read within `waitMs`, else none. Never rejects. */
  async get(url: string, waitMs: number): Promise<readonly string[]> {
    const kept = this.kept.get(url);
    if (kept !== undefined && this.deps.now() - kept.at < this.ttlMs) return kept.names;
    if (kept !== undefined) this.kept.delete(url);
    const pending = this.read(url);
    if (pending === null) return [];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<readonly string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), Math.max(0, waitMs));
    });
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Pages kept now (tests and bounds). */
  size(): number {
    return this.kept.size;
  }

  /** The read in flight for `url`, or a new one; null when too many are in flight. */
  private read(url: string): Promise<readonly string[]> | null {
    const inFlight = this.reading.get(url);
    if (inFlight !== undefined) return inFlight;
    if (this.reading.size >= this.maxReads) return null;
    let loading: Promise<readonly string[]>;
    try {
      loading = this.deps.load(url);
    } catch {
      loading = Promise.resolve([]);
    }
    const pending = loading
      .catch((): readonly string[] => [])
      .then((names) => {
        this.reading.delete(url);
        this.keep(url, names);
        return names;
      });
    this.reading.set(url, pending);
    return pending;
  }

  private keep(url: string, names: readonly string[]): void {
    this.kept.delete(url);
    this.kept.set(url, { at: this.deps.now(), names });
    while (this.kept.size > this.maxPages) {
      const oldest = this.kept.keys().next().value;
      if (oldest === undefined) break;
      this.kept.delete(oldest);
    }
  }
}
