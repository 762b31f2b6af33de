import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACTED = '[redacted]';

/**
 * Replaces every secret value wherever it appears in a text: tokens never reach a log line, even
 * inside a URL path (Telegram puts the token there) or an error's stack.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of leakForms(secret)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** Shortest secret part worth redacting: shorter strings would blank ordinary words. */
const MIN_SECRET_CHARS = 6;

/**
 * The ways a token can appear in a text: whole, URL-encoded (`:` → `%3A` in a query or path),
 * JSON-escaped, and its secret half alone (Telegram's `<bot id>:<secret>`, Discord's `<id>.<time>.<hmac>`), longest first.
 */
function leakForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const colon = secret.indexOf(':');
  if (colon >= 0) forms.add(secret.slice(colon + 1));
  const lastDot = secret.lastIndexOf('.');
  if (lastDot >= 0) forms.add(secret.slice(lastDot + 1));
  // Log lines are JSON: a quote, backslash or control character appears escaped there.
  for (const form of [...forms]) forms.add(JSON.stringify(form).slice(1, -1));
  return [...forms].filter((f) => f.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
}

/** A stream that redacts secrets from every chunk before passing it on. */
export function redactingStream(target: NodeJS.WritableStream, secrets: readonly string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(redactSecrets(chunk.toString(), secrets));
      callback();
    },
  });
}

/**
 * The process logger: JSON lines (pino) on stderr, so the console's readable alert lines on stdout
 * stay clean. Secrets are redacted from the serialised output, not by path, so none slips through.
 */
export function createLogger(
  level: string,
  secrets: readonly string[],
  target: NodeJS.WritableStream = process.stderr,
): Logger {
  return pino({ level, base: null }, redactingStream(target, secrets));
}
