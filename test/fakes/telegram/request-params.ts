/**
 * Reads Bot API parameters from a query string and a JSON, url-encoded or multipart body, the four
 * ways https://core.telegram.org/bots/api#making-requests allows. Form encodings carry every value as
 * a string (objects as JSON text), so accessors coerce the way Telegram does.
 */
import type { IncomingMessage } from 'node:http';

import { BotApiError, badRequest } from './api-error.js';

/** Telegram accepts uploads up to 50 MB: https://core.telegram.org/bots/api#sending-files */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

/** A file part of a multipart body. */
export interface UploadedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** Typed, coercing access to one request's parameters. */
export class Params {
  constructor(
    readonly values: Readonly<Record<string, unknown>>,
    readonly files: ReadonlyMap<string, UploadedFile> = new Map(),
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** Integers arrive as numbers (JSON) or digit strings (forms). */
  int(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const parsed = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(parsed)) throw badRequest(`invalid ${name} specified`);
    return parsed;
  }

  bool(name: string): boolean {
    const value = this.values[name];
    return value === true || value === 'true' || value === 1 || value === '1';
  }

  /** Objects arrive as objects (JSON) or JSON text (forms). */
  json(name: string): unknown {
    const value = this.values[name];
    if (typeof value !== 'string') return value ?? undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw badRequest(`can't parse ${name} JSON object`);
    }
  }
}

/** Reads the whole request into {@link Params}; throws a {@link BotApiError} on a malformed body. */
export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const query = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (body.length === 0) return new Params(query);
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON");
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badRequest("can't parse JSON object");
    }
    return new Params({ ...query, ...(parsed as Record<string, unknown>) });
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return new Params({ ...query, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) });
  }
  if (type.startsWith('multipart/form-data')) {
    // the boundary is case-sensitive, so read it from the header as sent
    const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
    const boundary = (match?.[1] ?? match?.[2] ?? '').trim();
    if (boundary === '') throw badRequest('multipart boundary is missing');
    const { fields, files } = parseMultipart(body, boundary);
    return new Params({ ...query, ...fields }, files);
  }
  return new Params(query);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BotApiError(413, 'Request Entity Too Large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Minimal RFC 7578 parser: enough for telegraf's multipart stream (lib/core/network/multipart-stream.js)
 * and undici's FormData. No busboy in node_modules, and the fake must not add dependencies.
 */
export function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string>; files: Map<string, UploadedFile> } {
  const fields: Record<string, string> = {};
  const files = new Map<string, UploadedFile>();
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const first = body.indexOf(`--${boundary}`);
  if (first < 0) throw badRequest('multipart body has no boundary');
  let pos = first + boundary.length + 2;
  while (body.subarray(pos, pos + 2).toString() !== '--') {
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const next = body.indexOf(delimiter, headerEnd);
    if (headerEnd < 0 || next < 0) throw badRequest('multipart body is truncated');
    const headers = body.toString('utf8', pos, headerEnd);
    const content = body.subarray(headerEnd + 4, next);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
    if (name !== undefined && filename !== undefined) {
      files.set(name, { filename, contentType, bytes: Buffer.from(content) });
    } else if (name !== undefined) {
      fields[name] = content.toString('utf8');
    }
    pos = next + delimiter.length;
  }
  return { fields, files };
}
