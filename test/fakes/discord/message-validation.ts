/**
 * Server-side checks of a message body, with Discord's limits and its `Invalid Form Body` error tree.
 * discord.js does not check content length itself (docs/platforms.md §1.1), so these are the checks
 * that make an over-long alert fail in tests the way it would in production.
 */
import { apiErrors, badLengthError, FormErrors, invalidFormBody, maxLengthError } from './api-error.js';

/** Create Message: https://discord.com/developers/docs/resources/message#create-message */
export const MAX_CONTENT_CHARS = 2000;
/** Create Message: at most 10 rich embeds. */
export const MAX_EMBEDS = 10;
/** Embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits */
export const EMBED_LIMITS = {
  titleChars: 256,
  descriptionChars: 4096,
  fields: 25,
  fieldNameChars: 256,
  fieldValueChars: 1024,
  footerTextChars: 2048,
  authorNameChars: 256,
  /** Sum over every embed of the message. */
  totalChars: 6000,
} as const;
/** Allowed mentions: at most 100 user ids and 100 role ids. */
export const MAX_ALLOWED_MENTION_IDS = 100;
/** Components: at most 5 top-level action rows (components/reference.mdx). */
export const MAX_ACTION_ROWS = 5;

const MENTION_TYPES = ['users', 'roles', 'everyone'] as const;

type Json = Record<string, unknown>;

/** Discord counts characters as code points, not UTF-16 units. */
export function charCount(text: string): number {
  return [...text].length;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Checks one embed's fields; returns the characters it counts towards the 6000 total. */
function checkEmbed(embed: Json, path: (string | number)[], errors: FormErrors): number {
  const limited = (key: string, value: string, max: number, at = [...path, key]): number => {
    if (charCount(value) > max) errors.add(at, maxLengthError(max));
    return charCount(value);
  };
  let total = limited('title', text(embed.title), EMBED_LIMITS.titleChars);
  total += limited('description', text(embed.description), EMBED_LIMITS.descriptionChars);
  total += limited('text', text(asObject(embed.footer)?.text), EMBED_LIMITS.footerTextChars, [
    ...path,
    'footer',
    'text',
  ]);
  total += limited('name', text(asObject(embed.author)?.name), EMBED_LIMITS.authorNameChars, [
    ...path,
    'author',
    'name',
  ]);
  const fields = Array.isArray(embed.fields) ? embed.fields : [];
  if (fields.length > EMBED_LIMITS.fields)
    errors.add([...path, 'fields'], maxLengthError(EMBED_LIMITS.fields));
  fields.forEach((raw: unknown, i) => {
    const field = asObject(raw) ?? {};
    const at = [...path, 'fields', i];
    const name = text(field.name);
    const value = text(field.value);
    if (name.length === 0 || charCount(name) > EMBED_LIMITS.fieldNameChars)
      errors.add([...at, 'name'], badLengthError(1, EMBED_LIMITS.fieldNameChars));
    if (value.length === 0 || charCount(value) > EMBED_LIMITS.fieldValueChars)
      errors.add([...at, 'value'], badLengthError(1, EMBED_LIMITS.fieldValueChars));
    total += charCount(name) + charCount(value);
  });
  return total;
}

function checkEmbeds(embeds: unknown, errors: FormErrors): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    errors.add(['embeds'], { code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    return;
  }
  if (embeds.length > MAX_EMBEDS) errors.add(['embeds'], maxLengthError(MAX_EMBEDS));
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    total += checkEmbed(asObject(embed) ?? {}, ['embeds', i], errors);
  });
  if (total > EMBED_LIMITS.totalChars) {
    errors.add(['embeds'], {
      code: 'MAX_EMBED_SIZE_EXCEEDED',
      message: `Embed size exceeds maximum size of ${EMBED_LIMITS.totalChars}`,
    });
  }
}

function checkAllowedMentions(value: unknown, errors: FormErrors): void {
  const am = asObject(value);
  if (am === undefined) return;
  const parse = Array.isArray(am.parse) ? (am.parse as unknown[]) : [];
  parse.forEach((p, i) => {
    if (!MENTION_TYPES.includes(p as (typeof MENTION_TYPES)[number]))
      errors.add(['allowed_mentions', 'parse', i], {
        code: 'ENUM_TYPE_COERCE',
        message: `Value "${String(p)}" is not a valid enum value.`,
      });
  });
  for (const kind of ['users', 'roles'] as const) {
    const ids = Array.isArray(am[kind]) ? (am[kind] as unknown[]) : [];
    if (ids.length > MAX_ALLOWED_MENTION_IDS)
      errors.add(['allowed_mentions', kind], maxLengthError(MAX_ALLOWED_MENTION_IDS));
    if (ids.length > 0 && parse.includes(kind)) {
      errors.add(['allowed_mentions'], {
        code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
      });
    }
  }
}

/**
 * Checks the fields present in `body` (a create or an edit). Throws 400 50035 with Discord's error
 * tree when a limit is broken.
 */
export function checkMessageFields(body: Json): void {
  const errors = new FormErrors();
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string')
      errors.add(['content'], { code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
    else if (charCount(body.content) > MAX_CONTENT_CHARS)
      errors.add(['content'], maxLengthError(MAX_CONTENT_CHARS));
  }
  checkEmbeds(body.embeds, errors);
  checkAllowedMentions(body.allowed_mentions, errors);
  if (Array.isArray(body.components) && body.components.length > MAX_ACTION_ROWS)
    errors.add(['components'], maxLengthError(MAX_ACTION_ROWS));
  if (!errors.isEmpty) throw invalidFormBody(errors);
}

/** Throws 50006 when a message would have nothing to show. */
export function assertNotEmpty(message: {
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachmentCount: number;
  stickers?: unknown;
}): void {
  const hasStickers = Array.isArray(message.stickers) && message.stickers.length > 0;
  if (
    message.content.trim() === '' &&
    message.embeds.length === 0 &&
    message.components.length === 0 &&
    message.attachmentCount === 0 &&
    !hasStickers
  )
    throw apiErrors.emptyMessage();
}
