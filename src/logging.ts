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
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join(REDACTED);
  return out;
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
