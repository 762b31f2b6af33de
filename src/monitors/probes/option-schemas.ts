/** Zod pieces shared by the probes' option schemas. */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

const MAX_HOSTNAME_CHARS = 253;
// LDH labels, plus `_` which service names such as `_dmarc.example.com` use (DNS TXT checks).
const HOSTNAME_RE = /^(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$/i;

/** True for a DNS hostname or a bare IPv4/IPv6 address (no scheme, port or path). */
export function isHostOrIp(text: string): boolean {
  if (isIP(text) !== 0) return true;
  return text.length <= MAX_HOSTNAME_CHARS && HOSTNAME_RE.test(text);
}

/** A hostname or an IP address; IPv6 may be written in brackets, which are removed. */
export const hostSchema = z
  .string()
  .trim()
  .transform((text) => text.replace(/^\[(.*)\]$/, '$1'))
  .refine(isHostOrIp, 'Invalid host (a hostname or IP address, without scheme, port or path)');

export const PORT_MIN = 1;
export const PORT_MAX = 65_535;
const PORT_MESSAGE = `Invalid port (an integer from ${PORT_MIN} to ${PORT_MAX})`;

export const portSchema = z
  .number({ error: PORT_MESSAGE })
  .int(PORT_MESSAGE)
  .min(PORT_MIN, PORT_MESSAGE)
  .max(PORT_MAX, PORT_MESSAGE);

const PEM_CERTIFICATE_MARKER = '-----BEGIN CERTIFICATE-----';

/**
 * A path to a PEM file of trusted CA certificates, read once when the config is parsed (so a
 * missing file fails start-up, not every check). Output: the PEM text.
 */
export const caFileSchema = z.string().transform((path, ctx) => {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    ctx.addIssue({ code: 'custom', message: `Cannot read CA file "${path}" (${String(code ?? error)})` });
    return z.NEVER;
  }
  if (!pem.includes(PEM_CERTIFICATE_MARKER)) {
    ctx.addIssue({ code: 'custom', message: `CA file "${path}" holds no PEM certificate` });
    return z.NEVER;
  }
  return pem;
});

/** `host:port` for messages, with IPv6 in brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
