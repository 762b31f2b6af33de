import type { OfficialSnapshot } from '../core/official.js';
import { sniffBody } from './detect-format.js';
import { findStatusSource } from './registry.js';
import { sanitizeSnapshot } from './sanitize.js';
import type { StatusSourceInput, StatusSourceKind } from './status-source.js';
import { checkResponse, unusableSnapshot } from './upstream-payload.js';

/** `auto` detects the kind from the body (see `detectFormat`); the others name a parser. */
export type StatusFormat = 'auto' | StatusSourceKind;

/**
 * One fetched response → what the page says. Pure, synchronous and self-contained (no I/O, no
 * shared state), so it can run on a worker thread as it is. With `auto`, a JSON body is parsed
 * once: detection looks at the parsed value and the parser receives that value. XML bodies are
 * only sniffed by detection (their first few kilobytes) and read once by the parser.
 * Never throws; an unusable response is `overall: 'unknown'` with a `problem`.
 */
export function parseStatusResponse(input: StatusSourceInput, format: StatusFormat): OfficialSnapshot {
  if (format !== 'auto') {
    const source = findStatusSource(format);
    return source === undefined ? unusableSnapshot(format, `no parser for ${format}`) : source.parse(input);
  }
  const checked = checkResponse(input);
  if (!checked.ok) return sanitizeSnapshot(unusableSnapshot('auto', checked.problem));
  const detected = sniffBody(checked.value, input.contentType);
  if (detected.kind === null) return sanitizeSnapshot(unusableSnapshot('auto', detected.problem));
  const source = findStatusSource(detected.kind);
  if (source === undefined) return unusableSnapshot(detected.kind, `no parser for ${detected.kind}`);
  return 'json' in detected && source.parseJson !== undefined
    ? source.parseJson(detected.json, input)
    : source.parse(input);
}
