import type { OfficialSeverity, OfficialSnapshot } from '../core/official.js';
import { type BodyBytes, bodyBuffer } from './body-blocks.js';
import { filterComponents } from './component-filter.js';
import { detectFormat } from './detect-format.js';
import { officialStatements } from './official-evidence.js';
import { findStatusSource } from './registry.js';
import type { StatusSourceInput, StatusSourceKind } from './status-source.js';

/** `auto` sniffs the body (see `detectFormat`); the others name a parser. */
export type StatusFormat = 'auto' | StatusSourceKind;

/** A fetched response whose body may still be bytes (decoded where it is parsed). */
export interface StatusResponse extends Omit<StatusSourceInput, 'body'> {
  readonly body: string | BodyBytes;
}

/** The body as text: UTF-8, a byte order mark kept for the parsers to drop. */
export function decodeStatusBody(body: string | BodyBytes): string {
  return typeof body === 'string' ? body : bodyBuffer(body).toString('utf8');
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

/**
 * What a check keeps of a snapshot: its verdict and evidence lines (at most a handful). A
 * 16 MiB feed can hold ten thousand open incidents; handing those between threads would
 * cost more than parsing them, so the worker hands over this instead.
 */
export interface StatusDigest {
  readonly source: string;
  readonly overall: OfficialSeverity;
  readonly problem?: string;
  /** `officialStatements` of the snapshot. */
  readonly statements: readonly string[];
}

export function digestSnapshot(snapshot: OfficialSnapshot): StatusDigest {
  return {
    source: snapshot.source,
    overall: snapshot.overall,
    ...(snapshot.problem === undefined ? {} : { problem: snapshot.problem }),
    statements: officialStatements(snapshot),
  };
}

/** Parses, keeps only the named components (none named: all), and digests. */
export function digestStatusNow(
  response: StatusResponse,
  format: StatusFormat,
  components: readonly string[],
): StatusDigest {
  return digestSnapshot(filterComponents(parseStatusNow(response, format), components));
}
