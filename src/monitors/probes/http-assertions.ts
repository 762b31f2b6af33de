/** Body assertions of the HTTP probe: pure functions over the (possibly capped) body text. */
import { isDeepStrictEqual } from 'node:util';
import type { OutcomeFacts, OutcomeReason } from '../../core/model.js';
import type { HttpExpectations, JsonExpectation, JsonPathSegment } from './http-options.js';

/** The first `maxBodyBytes` of a response body, decoded as UTF-8. */
export interface CappedBody {
  readonly text: string;
  /** True when the body went on past the cap and was not read further. */
  readonly truncated: boolean;
  readonly cappedAtBytes: number;
}

export interface AssertionFailure {
  readonly reason: Extract<OutcomeReason, 'assertion' | 'too-large'>;
  readonly message: string;
  /** The expectation that failed, or the size limit the body went over. */
  readonly facts?: OutcomeFacts;
}

// Values quoted from an untrusted body are cut short before they reach a message.
const MAX_QUOTED_CHARS = 60;

function quote(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS - 1)}…`;
}

function inBody(body: CappedBody): string {
  return body.truncated ? ` in the first ${body.cappedAtBytes} bytes` : '';
}

/** Walks `segments`; `found: false` when a key or index is missing or the shape differs. */
export function readJsonPath(
  document: unknown,
  segments: readonly JsonPathSegment[],
): { found: true; value: unknown } | { found: false } {
  let current = document;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment] as unknown;
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

function checkJsonValue(json: JsonExpectation, value: unknown): string | null {
  if (json.kind === 'equals') {
    return isDeepStrictEqual(value, json.value) ? null : `is ${quote(value)}, expected ${quote(json.value)}`;
  }
  const contains =
    (typeof value === 'string' && value.includes(json.text)) ||
    (Array.isArray(value) && value.includes(json.text));
  return contains ? null : `is ${quote(value)}, expected it to contain ${quote(json.text)}`;
}

function checkJson(json: JsonExpectation, body: CappedBody): AssertionFailure | null {
  const jsonFact = { expected: { kind: 'json', value: json.path } } as const;
  let document: unknown;
  try {
    document = JSON.parse(body.text);
  } catch {
    return body.truncated
      ? {
          reason: 'too-large',
          message: `body over ${body.cappedAtBytes} bytes; a JSON assertion needs all of it`,
          facts: { bytes: body.cappedAtBytes },
        }
      : { reason: 'assertion', message: 'body is not JSON', facts: jsonFact };
  }
  const lookup = readJsonPath(document, json.segments);
  if (!lookup.found) return { reason: 'assertion', message: `JSON ${json.path} not found`, facts: jsonFact };
  const problem = checkJsonValue(json, lookup.value);
  return problem === null
    ? null
    : { reason: 'assertion', message: `JSON ${json.path} ${problem}`, facts: jsonFact };
}

/**
 * Checks keyword, notKeyword, regex and json in that order; the first failure wins.
 * On a truncated body the text assertions see only the first `cappedAtBytes` bytes.
 */
export function checkBody(expect: HttpExpectations, body: CappedBody): AssertionFailure | null {
  if (expect.keyword !== undefined && !body.text.includes(expect.keyword)) {
    return {
      reason: 'assertion',
      message: `keyword ${quote(expect.keyword)} not found${inBody(body)}`,
      facts: { expected: { kind: 'keyword', value: expect.keyword } },
    };
  }
  if (expect.notKeyword !== undefined && body.text.includes(expect.notKeyword)) {
    return {
      reason: 'assertion',
      message: `forbidden keyword ${quote(expect.notKeyword)} found`,
      facts: { expected: { kind: 'not-keyword', value: expect.notKeyword } },
    };
  }
  if (expect.regex !== undefined && !expect.regex.test(body.text)) {
    return {
      reason: 'assertion',
      message: `regex ${String(expect.regex)} did not match${inBody(body)}`,
      facts: { expected: { kind: 'regex', value: String(expect.regex) } },
    };
  }
  return expect.json === undefined ? null : checkJson(expect.json, body);
}
