import type { Messages } from '../i18n/index.js';
import { truncateText } from '../i18n/text-fit.js';

/**
 * A list reply cut to `maxChars`: as many items as fit, then the catalogue's `… and N more`
 * line. `render` must grow with the number of items (every catalogue list does), which lets a
 * binary search find the largest count that fits. Falls back to a hard cut when even the first
 * lines are too long.
 */
export function fitList<T>(
  items: readonly T[],
  render: (shown: readonly T[]) => string,
  m: Messages,
  maxChars: number,
): string {
  const all = render(items);
  if (all.length <= maxChars) return all;
  const withMore = (count: number): string =>
    `${render(items.slice(0, count))}\n${m.alert.moreLines({ count: items.length - count })}`;
  let low = 0;
  let high = items.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (withMore(mid).length <= maxChars) low = mid;
    else high = mid - 1;
  }
  return truncateText(withMore(low), maxChars);
}
