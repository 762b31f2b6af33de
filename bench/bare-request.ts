/**
 * The bare request the app's checks are set against: the HTTP probe's own request (its timeouts,
 * certificate check and User-Agent) on a fresh connection, set up and torn down as the probe does
 * it (a Client per request, destroyed with a prepared error), and nothing else. `bareFreshAgent`
 * is the same through an Agent of one connection, as the probe set its connections up before
 * 2026-12-08 (kept to compare with older figures).
 * Also the same request through node:http with `agent: false` (a fresh socket, no pool at all).
 * Each resolves once the body is read and the connection is closed; each rejects on failure.
 */
import { get } from 'node:http';
import { Agent, Client, errors, request } from 'undici';
import { HTTP_USER_AGENT } from '../src/monitors/probes/http-probe.js';

/** As the probe's: a new ClientDestroyedError per destroy would have its stack read (see the probe). */
const DESTROYED = new errors.ClientDestroyedError();

export function bareFreshUndici(url: string, timeoutMs: number): () => Promise<void> {
  return async () => {
    const client = new Client(new URL(url).origin, {
      connect: { timeout: timeoutMs, rejectUnauthorized: true },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    try {
      const res = await request(url, {
        dispatcher: client,
        method: 'GET',
        headers: { 'user-agent': HTTP_USER_AGENT },
      });
      await res.body.text();
    } finally {
      await client.destroy(DESTROYED);
    }
  };
}

export function bareFreshAgent(url: string, timeoutMs: number): () => Promise<void> {
  return async () => {
    const agent = new Agent({
      connections: 1,
      connect: { timeout: timeoutMs, rejectUnauthorized: true },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: 'GET',
        headers: { 'user-agent': HTTP_USER_AGENT },
      });
      await res.body.text();
    } finally {
      await agent.destroy(DESTROYED);
    }
  };
}

export function bareFreshHttpGet(url: string, timeoutMs: number): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = get(
        url,
        { agent: false, headers: { 'user-agent': HTTP_USER_AGENT }, timeout: timeoutMs },
        (res) => {
          res.on('data', () => {});
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
    });
}
