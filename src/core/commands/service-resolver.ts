import type { WatchedService } from './ports.js';

/**
 * Finds a service from what a member typed: by id, name or alias, ignoring case, accents,
 * spacing and punctuation (`Google Cloud`, `google-cloud`, `GOOGLECLOUD`; `Crème`, `creme`).
 * Misses come with the closest names (prefix, then edit distance).
 */

/** The word that stands for every service (`/subscribe all`). */
export const ALL_KEYWORD = 'all';
/** How many names an unknown service suggests. */
export const SUGGESTION_COUNT = 3;
/** Discord shows at most 25 autocomplete choices (interactions/receiving-and-responding, autocomplete). */
export const MAX_AUTOCOMPLETE_CHOICES = 25;
/** Longer input cannot be a service name (names are at most 100 characters); it is cut before comparing. */
const MAX_COMPARED_CHARS = 120;

export type Resolution =
  | { readonly kind: 'all' }
  | { readonly kind: 'service'; readonly service: WatchedService }
  | { readonly kind: 'unknown'; readonly suggestions: readonly string[] };

/**
 * Lower case, accents and other combining marks dropped, invisible format characters (zero-width,
 * bidi) dropped, and only letters and digits kept, so spelling variants compare equal.
 */
export function compactKey(text: string): string {
  return text
    .slice(0, MAX_COMPARED_CHARS * 2)
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
    .slice(0, MAX_COMPARED_CHARS);
}

interface IndexedService {
  readonly service: WatchedService;
  /** Compact id, name and aliases, without duplicates. */
  readonly keys: readonly string[];
}

function indexEntry(service: WatchedService): IndexedService {
  return {
    service,
    keys: [
      ...new Set([service.id, service.name, ...(service.aliases ?? [])].map(compactKey).filter(Boolean)),
    ],
  };
}

/**
 * The services with their compact keys, built once per catalogue. A community's own services
 * (monitors added from chat) are layered on top per request with {@link ServiceIndex.with}, which
 * reuses the catalogue's keys.
 */
export class ServiceIndex {
  private readonly entries: readonly IndexedService[];
  private readonly ids: ReadonlyMap<string, WatchedService>;
  readonly services: readonly WatchedService[];

  constructor(services: readonly WatchedService[], base?: ServiceIndex) {
    const own = services.filter((s) => base?.byId(s.id) === undefined);
    this.services = [...(base?.services ?? []), ...own];
    this.entries = [...(base?.entries ?? []), ...own.map(indexEntry)];
    this.ids = base
      ? new Map([...base.ids, ...own.map((s) => [s.id, s] as const)])
      : new Map(own.map((s) => [s.id, s]));
  }

  /** This index with `extra` services after its own (ids it already has are ignored). */
  with(extra: readonly WatchedService[]): ServiceIndex {
    return extra.length === 0 ? this : new ServiceIndex(extra, this);
  }

  byId(id: string): WatchedService | undefined {
    return this.ids.get(id);
  }

  /** `all`, one service, or unknown with up to {@link SUGGESTION_COUNT} close names. */
  resolve(given: string): Resolution {
    const key = compactKey(given);
    if (key === ALL_KEYWORD) return { kind: 'all' };
    const exactId = this.ids.get(given.trim());
    if (exactId) return { kind: 'service', service: exactId };
    const exact = key === '' ? undefined : this.entries.find((e) => e.keys.includes(key));
    if (exact) return { kind: 'service', service: exact.service };
    return {
      kind: 'unknown',
      suggestions: this.rank(key, SUGGESTION_COUNT).map((s) => s.name),
    };
  }

  /**
   * Best matches for a partly typed name, for Discord autocomplete: prefix matches first, then
   * names containing it, then close spellings; an empty query lists the services in order.
   */
  autocomplete(query: string, limit = MAX_AUTOCOMPLETE_CHOICES): { id: string; name: string }[] {
    const max = Math.max(0, Math.min(Math.floor(limit), MAX_AUTOCOMPLETE_CHOICES));
    const key = compactKey(query);
    const found = key === '' ? this.services.slice(0, max) : this.rank(key, max);
    return found.map((s) => ({ id: s.id, name: s.name }));
  }

  /**
   * `/services <text>`: every service whose id, name or an alias starts with or contains the text
   * (ignoring case, accents, spacing and punctuation), best first; when none does, the close
   * spellings. An empty text matches nothing.
   */
  search(query: string): WatchedService[] {
    const key = compactKey(query);
    if (key === '') return [];
    const containing = this.entries.filter((e) => e.keys.some((k) => k.includes(key))).map((e) => e.service);
    const ranked = this.rank(key, this.entries.length);
    if (containing.length === 0) return ranked;
    const wanted = new Set(containing);
    return ranked.filter((s) => wanted.has(s));
  }

  /** Services ordered by how well one of their keys matches; far-off ones left out. */
  private rank(key: string, limit: number): WatchedService[] {
    if (key === '' || limit === 0) return [];
    const scored = this.entries
      .map((e, order) => ({ e, order, score: Math.min(...e.keys.map((k) => matchScore(key, k))) }))
      .filter((s) => Number.isFinite(s.score));
    scored.sort((a, b) => a.score - b.score || a.order - b.order);
    return scored.slice(0, limit).map((s) => s.e.service);
  }
}

/**
 * Lower is better. A key starting with the query scores below 0.1, one containing it below 0.2,
 * otherwise the edit distance relative to the longer string (1 = nothing in common). Far-off
 * keys (more than half the characters wrong) score Infinity.
 */
function matchScore(query: string, key: string): number {
  if (key.startsWith(query)) return 0.1 * (1 - query.length / (key.length + 1));
  if (key.includes(query)) return 0.1 + 0.1 * (1 - query.length / (key.length + 1));
  if (query.startsWith(key)) return 0.2 + 0.1 * (1 - key.length / (query.length + 1));
  const longest = Math.max(query.length, key.length);
  // The distance is at least the difference in length: skip the quadratic work when that alone is too far.
  if (Math.abs(query.length - key.length) * 2 > longest) return Number.POSITIVE_INFINITY;
  const distance = editDistance(query, key);
  return distance * 2 > longest ? Number.POSITIVE_INFINITY : 0.3 + distance / longest;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[y.length] ?? 0;
}
