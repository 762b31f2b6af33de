/**
 * The rule behind Discord's autocomplete of `/watch`'s `components` option: the page's component
 * names, filtered by what is typed, the last comma-separated name being the one completed. Pure:
 * the page is read elsewhere (the monitors port, cached); this only chooses what to offer.
 */

/** Discord shows at most 25 autocomplete choices. */
export const MAX_COMPONENT_CHOICES = 25;
/** A choice's name and value are 1-100 characters each. */
export const MAX_COMPONENT_CHOICE_CHARS = 100;

export interface ComponentChoice {
  /** What Discord shows: the whole value, so the names already typed stay in view. */
  readonly name: string;
  /** What the option becomes when chosen: the earlier names, then this one, comma-separated. */
  readonly value: string;
}

/**
 * Choices for `typed` among a page's `names` (in the page's order):
 *
 * - the text after the last comma is the partial name; names starting with it (any case) come
 *   first, then names containing it; an empty partial offers every name;
 * - the names before the last comma are kept, in the page's spelling when the page has them, and
 *   are not offered again;
 * - each value is those names and the offered one joined by `, `; one longer than 100 characters
 *   is left out (Discord refuses it), as are names with a comma (they could not be asked for);
 * - at most `limit` (never over 25).
 *
 * Names are untrusted text: they go out as plain choice text (control characters, bidirectional
 * overrides and runs of white space become one space), never as markup.
 */
export function componentChoices(
  typed: string,
  names: readonly string[],
  limit: number = MAX_COMPONENT_CHOICES,
): ComponentChoice[] {
  const max = Math.max(0, Math.min(limit, MAX_COMPONENT_CHOICES));
  const parts = typed.split(',');
  const partial = plain(parts.pop() ?? '').toLowerCase();
  const offered = uniqueNames(names);
  const byKey = new Map(offered.map((name) => [name.toLowerCase(), name]));
  const earlier: string[] = [];
  for (const part of parts) {
    const name = plain(part);
    if (name === '') continue;
    const spelled = byKey.get(name.toLowerCase()) ?? name;
    if (!earlier.some((e) => e.toLowerCase() === spelled.toLowerCase())) earlier.push(spelled);
  }
  const chosen = new Set(earlier.map((e) => e.toLowerCase()));
  const open = offered.filter((name) => !chosen.has(name.toLowerCase()));
  const starting = open.filter((name) => name.toLowerCase().startsWith(partial));
  const containing = open.filter(
    (name) => !name.toLowerCase().startsWith(partial) && name.toLowerCase().includes(partial),
  );
  const choices: ComponentChoice[] = [];
  for (const name of [...starting, ...containing]) {
    if (choices.length >= max) break;
    const value = [...earlier, name].join(', ');
    if (value.length > MAX_COMPONENT_CHOICE_CHARS) continue;
    choices.push({ name: value, value });
  }
  return choices;
}

/** The page's names as plain one-line text, each once (any case), empty and comma names dropped. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of names) {
    const name = plain(raw);
    const key = name.toLowerCase();
    if (name === '' || name.includes(',') || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** Control characters, bidirectional overrides and white space runs as one space, trimmed. */
function plain(text: string): string {
  return text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069\s]+/gu, ' ').trim();
}
