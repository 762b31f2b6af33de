/** The options schema of the HTTP probe: parsed once, so checks only run precompiled matchers. */
import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { caFileSchema } from './option-schemas.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const DEFAULT_EXPECTED_STATUS = '200-399';
export const DEFAULT_MAX_REDIRECTS = 5;
export const MAX_REDIRECTS_LIMIT = 20;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Upper bound of `maxBodyBytes`: keyword checks on 10,000 monitors must fit in memory. */
export const MAX_BODY_BYTES_LIMIT = 16 * 1024 * 1024;

/** An inclusive range of HTTP status codes. */
export type StatusRange = readonly [low: number, high: number];

const STATUS_MIN = 100;
const STATUS_MAX = 599;
const STATUS_PART_RE = /^(\d{3})(?:-(\d{3}))?$/;

/** Parses `200`, `200-399` or `200,204,300-399`; null when malformed or out of 100-599. */
export function parseStatusRanges(text: string): StatusRange[] | null {
  const ranges: StatusRange[] = [];
  for (const part of text.split(',')) {
    const match = STATUS_PART_RE.exec(part.trim());
    if (!match) return null;
    const low = Number(match[1]);
    const high = match[2] === undefined ? low : Number(match[2]);
    if (low < STATUS_MIN || high > STATUS_MAX || low > high) return null;
    ranges.push([low, high]);
  }
  return ranges;
}

/**
 * The ranges of `DEFAULT_EXPECTED_STATUS`, parsed once: most monitors use them, and 10,000 monitors
 * would otherwise hold 10,000 equal copies. Config is never mutated after parsing.
 */
const DEFAULT_STATUS_RANGES = parseStatusRanges(DEFAULT_EXPECTED_STATUS) ?? [];

const statusSchema = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  const text = String(value);
  const ranges = text === DEFAULT_EXPECTED_STATUS ? DEFAULT_STATUS_RANGES : parseStatusRanges(text);
  if (ranges === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'Invalid status (use e.g. 200, "200-399" or "200,204,300-399")',
    });
    return z.NEVER;
  }
  return ranges;
});

/** One step into a JSON document: an object key or an array index. */
export type JsonPathSegment = string | number;

// `.key`, `[0]` or `["any key"]`, consumed left to right.
const JSON_SEGMENT_RE = /(?:^|\.)([^.[\]"]+)|\[(\d+)\]|\["([^"\\]*)"\]/y;

/** Parses `status.indicator`, `items[0].ok` or `["a.b"].c`; null when malformed. */
export function parseJsonPath(text: string): JsonPathSegment[] | null {
  const segments: JsonPathSegment[] = [];
  if (text.startsWith('.')) return null;
  for (let index = 0; index < text.length; index = JSON_SEGMENT_RE.lastIndex) {
    JSON_SEGMENT_RE.lastIndex = index;
    const match = JSON_SEGMENT_RE.exec(text);
    if (!match) return null;
    const [, key, arrayIndex, quotedKey] = match;
    segments.push(arrayIndex !== undefined ? Number(arrayIndex) : (key ?? quotedKey ?? ''));
  }
  return segments.length > 0 ? segments : null;
}

const jsonPathSchema = z.string().transform((text, ctx) => {
  const segments = parseJsonPath(text);
  if (segments === null) {
    ctx.addIssue({ code: 'custom', message: 'Invalid JSON path (use e.g. status.indicator or items[0].ok)' });
    return z.NEVER;
  }
  return { text, segments };
});

/** A JSON assertion: the value at `path` equals a JSON value, or contains a string. */
export type JsonExpectation =
  | {
      readonly path: string;
      readonly segments: readonly JsonPathSegment[];
      readonly kind: 'equals';
      readonly value: unknown;
    }
  | {
      readonly path: string;
      readonly segments: readonly JsonPathSegment[];
      readonly kind: 'contains';
      readonly text: string;
    };

const jsonExpectationSchema = z
  .strictObject({ path: jsonPathSchema, equals: z.json().optional(), contains: z.string().optional() })
  .transform((json, ctx): JsonExpectation => {
    const hasEquals = 'equals' in json;
    if (hasEquals === (json.contains !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'Give exactly one of equals or contains' });
      return z.NEVER;
    }
    const base = { path: json.path.text, segments: json.path.segments };
    return json.contains !== undefined
      ? { ...base, kind: 'contains', text: json.contains }
      : { ...base, kind: 'equals', value: json.equals };
  });

const regexSchema = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `Invalid regex: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const expectSchema = z.strictObject({
  status: statusSchema.prefault(DEFAULT_EXPECTED_STATUS),
  /** Must appear in the body (first `maxBodyBytes` only). */
  keyword: z.string().min(1).optional(),
  /** Must not appear in the body (first `maxBodyBytes` only). */
  notKeyword: z.string().min(1).optional(),
  regex: regexSchema.optional(),
  json: jsonExpectationSchema.optional(),
});

export type HttpExpectations = z.output<typeof expectSchema>;

/** True when an expectation needs the response body. */
export function needsBody(expect: HttpExpectations): boolean {
  return (
    expect.keyword !== undefined ||
    expect.notKeyword !== undefined ||
    expect.regex !== undefined ||
    expect.json !== undefined
  );
}

const httpUrlSchema = z.string().superRefine((text, ctx) => {
  if (!URL.canParse(text)) ctx.addIssue({ code: 'custom', message: 'Invalid URL' });
  else if (!['http:', 'https:'].includes(new URL(text).protocol)) {
    ctx.addIssue({ code: 'custom', message: 'Invalid URL (only http:// and https:// are supported)' });
  }
});

// RFC 9110 §5.1 token; values without CR/LF so a header cannot be split.
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/i, 'Invalid header name');
const headerValueSchema = z.string().regex(/^[^\r\n\0]*$/, 'Invalid header value (no line breaks)');

export const httpOptionsSchema = z
  .strictObject({
    url: httpUrlSchema,
    method: z.string().toUpperCase().pipe(z.enum(HTTP_METHODS)).default('GET'),
    headers: z.record(headerNameSchema, headerValueSchema).optional(),
    body: z.string().optional(),
    expect: expectSchema.prefault({}),
    /** Answers slower than this (ms, from a duration string) are `degraded`/`slow`. */
    degradedAfter: durationSchema.optional(),
    maxRedirects: z.number().int().min(0).max(MAX_REDIRECTS_LIMIT).default(DEFAULT_MAX_REDIRECTS),
    maxBodyBytes: z.number().int().min(1).max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
    /** Skip certificate verification (a monitor of a self-signed internal site). */
    insecure: z.boolean().default(false),
    /** Path to extra trusted CA certificates (PEM); the output is the PEM text. */
    ca: caFileSchema.optional(),
    /**
     * Keep the connection between checks (one kept-alive connection per origin, shared by the
     * monitors that set it): cheaper checks that no longer measure DNS, TCP connect or TLS.
     */
    reuse: z.boolean().default(false),
  })
  .superRefine((options, ctx) => {
    if (options.body !== undefined && (options.method === 'GET' || options.method === 'HEAD')) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `A body needs a method other than ${options.method}`,
      });
    }
    if (options.method === 'HEAD' && needsBody(options.expect)) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect'],
        message: 'Body assertions need a method other than HEAD',
      });
    }
  });

/** Options of a `type: http` monitor, as parsed: status ranges, regex and JSON path precompiled. */
export type HttpOptions = z.output<typeof httpOptionsSchema>;
