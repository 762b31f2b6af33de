import type { OfficialSnapshot } from '../core/official.js';
import { detectFormat } from './detect-format.js';
import { findStatusSource } from './registry.js';
import type { StatusSourceInput, StatusSourceKind } from './status-source.js';

/** `auto` sniffs the body (see `detectFormat`); the others name a parser. */
export type StatusFormat = 'auto' | StatusSourceKind;

/** A fetched response whose body may still be bytes (decoded where it is parsed). */
export interface StatusResponse extends Omit<StatusSourceInput, 'body'> {
  readonly body: string | Uint8Array;
}

/** The body as text: UTF-8, a byte order mark kept for the parsers to drop. */
export function decodeStatusBody(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

function unusable(source: string, problem: string): OfficialSnapshot {
  return { source, overall: 'unknown', components: [], incidents: [], problem };
}

/**
 * Picks the parser (sniffing the body for `auto`) and parses. Pure and synchronous: the probe
 * runs it inline for small bodies and in a worker thread for big ones (see `parse-worker.ts`).
 */
export function parseStatusNow(response: StatusResponse, format: StatusFormat): OfficialSnapshot {
  const input: StatusSourceInput = { ...response, body: decodeStatusBody(response.body) };
  let kind: StatusSourceKind;
  if (format === 'auto') {
    const detected = detectFormat(input.body, input.contentType);
    if (detected.kind === null) return unusable('auto', detected.problem);
    kind = detected.kind;
  } else {
    kind = format;
  }
  const source = findStatusSource(kind);
  if (source === undefined) return unusable(kind, `no parser for ${kind}`);
  return source.parse(input);
}
