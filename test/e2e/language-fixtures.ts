/**
 * What the per-language end-to-end files share: a loopback status host (a Statuspage summary
 * behind an HTML page, and JSON of no status shape), the catalogue service `site` ("Our site")
 * checked every second and confirmed after two checks, and a maintenance start typed as a date.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Locale, formatDigits } from '../../src/core/i18n/index.js';

const SUMMARY = readFileSync(
  new URL('../fixtures/status/statuspage/discord_summary_operational.json', import.meta.url),
  'utf8',
);

export interface StatusHost {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  close(): Promise<void>;
}

/**
 * `/api/v2/summary.json` (a real Statuspage summary), `/about` (an HTML page: `/watch` follows it
 * to the summary) and `/data.json` (JSON of no status shape: not a status page).
 */
export async function startStatusHost(): Promise<StatusHost> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/v2/summary.json') {
      res.setHeader('content-type', 'application/json');
      res.end(SUMMARY);
    } else if (req.url === '/about') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><html><body>About us</body></html>');
    } else if (req.url === '/data.json') {
      res.setHeader('content-type', 'application/json');
      res.end('{"hello":"world"}');
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The catalogue service `site` on `url`, as YAML list items under `services:`. */
export function siteService(url: string): string {
  return `  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${url}", every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
`;
}

/** Tomorrow at 10:00 UTC: as typed (`YYYY-MM-DD HH:MM`) and as an instant. */
export function tomorrowAtTen(now: number): { readonly typed: string; readonly at: number } {
  const day = new Date(now + 86_400_000).toISOString().slice(0, 10);
  return { typed: `${day} 10:00`, at: Date.parse(`${day}T10:00:00Z`) };
}

/** `text` with its ASCII digits written in the language's own (`2h` → `২h` in Bengali). */
export function native(locale: Locale, text: string): string {
  return text.replace(/\d/g, (d) => formatDigits(locale, Number(d)));
}

/** Budgets no test of many commands in a row reaches (AppConfig `commandRates`). */
export const ROOMY_COMMAND_RATES = {
  userRate: { burst: 1_000, perMs: 1_000 },
  chatRate: { burst: 1_000, perMs: 1_000 },
} as const;
