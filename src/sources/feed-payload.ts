import type { StatusSourceInput } from './status-source.js';
import { checkResponse, describeMediaType, parseTimestamp, type Checked } from './upstream-payload.js';
import { isCompleteFeed, readFeed, type FeedItem } from './xml-feed.js';

/**
 * What RSS/Atom sources share: reading the document and deciding which items are recent enough
 * to describe the present. A history feed has no "resolved" flag for old items that were never
 * closed, so only items touched within `OPEN_WINDOW_MS` can count as open.
 */

/** An item last touched longer ago than this no longer counts as an open incident. */
export const OPEN_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Clocks disagree a little; an item dated further ahead than this is not trusted. */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface DatedItem {
  readonly item: FeedItem;
  /** Epoch ms of the item's last change (`updated`, else `pubDate`/`published`, unless the source knows better). */
  readonly at: number;
}

/** Items sorted newest first, without those dated in the future or not dated at all. */
export interface DatedItems {
  readonly usable: readonly DatedItem[];
  readonly futureCount: number;
  readonly undatedCount: number;
}

/** Status and size checks, then the feed's items; an HTML page or JSON body is a problem. */
export function readFeedPayload(input: StatusSourceInput): Checked<readonly FeedItem[]> {
  const checked = checkResponse(input);
  if (!checked.ok) return checked;
  const feed = readFeed(checked.value);
  if (feed === undefined)
    return { ok: false, problem: `not an RSS or Atom feed (${describeMediaType(input.contentType)})` };
  if (!isCompleteFeed(checked.value, feed.format)) {
    return {
      ok: false,
      problem: `truncated ${feed.format === 'rss' ? 'RSS' : 'Atom'} feed (no closing tag)`,
    };
  }
  return { ok: true, value: feed.items };
}

/** When the item last changed, in epoch ms. */
export function itemTime(item: FeedItem): number | undefined {
  return parseTimestamp(item.updated) ?? parseTimestamp(item.published);
}

/**
 * Dates the items against `now`. Items from the future are set aside rather than trusted: a
 * "Resolved" we cannot have seen yet must not close anything, nor a future "Investigating" open it.
 */
export function dateItems(
  items: readonly FeedItem[],
  now: number,
  timeOf: (item: FeedItem) => number | undefined = itemTime,
): DatedItems {
  const usable: DatedItem[] = [];
  let futureCount = 0;
  let undatedCount = 0;
  for (const item of items) {
    const at = timeOf(item);
    if (at === undefined) undatedCount += 1;
    else if (at > now + FUTURE_SKEW_MS) futureCount += 1;
    else usable.push({ item, at });
  }
  usable.sort((a, b) => b.at - a.at);
  return { usable, futureCount, undatedCount };
}

/**
 * Why a feed with items says nothing usable about now, or undefined when it does: every item
 * undated, or every dated item in the future (a clock problem on one side or the other).
 */
export function explainUnusableDates(dated: DatedItems): string | undefined {
  if (dated.usable.length > 0) return undefined;
  if (dated.futureCount > 0) return `all ${dated.futureCount} dated items are in the future (clock skew?)`;
  if (dated.undatedCount > 0) return `no item has a readable date (${dated.undatedCount} items)`;
  return undefined;
}

export function isRecent(at: number, now: number): boolean {
  return now - at <= OPEN_WINDOW_MS;
}

/** A feed timestamp as ISO-8601 (RSS dates are RFC 822, which the model does not use). */
export function toIsoTime(ms: number): string {
  return new Date(ms).toISOString();
}
