/**
 * Reads a REST request body: JSON, or multipart with the JSON in `payload_json` and files in
 * `files[n]` (https://discord.com/developers/docs/reference#uploading-files).
 */
import type { IncomingMessage } from 'node:http';
import { apiErrors, FormErrors, invalidFormBody, maxLengthError } from './api-error.js';
import type { UploadedFile } from './records.js';

/** Discord's request size cap for bots without boosts: 25 MiB (resources/message.mdx). */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;

/** At most 10 files per message (resources/message.mdx "Create Message", reference.mdx "Uploading Files"). */
export const MAX_FILES_PER_MESSAGE = 10;

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw apiErrors.payloadTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw apiErrors.badJson();
  }
}

/** Multipart parsing through the WHATWG `Response.formData()` Node ships (undici). */
async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  let json: unknown = undefined;
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'payload_json') json = parseJson(value);
      continue;
    }
    files.push({
      field,
      filename: value.name,
      contentType: value.type === '' ? undefined : value.type,
      data: Buffer.from(await value.arrayBuffer()),
    });
  }
  return { json, files };
}

/** Parses the body; throws `DiscordApiError` on bad JSON or an oversized request. */
export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readAll(req);
  if (raw.length === 0) return { json: undefined, files: [] };
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) return parseMultipart(raw, contentType);
  return { json: parseJson(raw.toString('utf8')), files: [] };
}

/**
 * Discord's checks of the uploaded files: more than {@link MAX_FILES_PER_MESSAGE} is 400 50035,
 * a file over the upload limit 413 40005 ("Request entity too large"), before anything is stored.
 */
export function checkUploads(files: readonly UploadedFile[], sizeLimitBytes: number): void {
  if (files.length > MAX_FILES_PER_MESSAGE) {
    const errors = new FormErrors();
    errors.add(['attachments'], maxLengthError(MAX_FILES_PER_MESSAGE));
    throw invalidFormBody(errors);
  }
  if (files.some((f) => f.data.length > sizeLimitBytes)) throw apiErrors.payloadTooLarge();
}
