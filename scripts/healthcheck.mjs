#!/usr/bin/env node
// The container's health check (Dockerfile HEALTHCHECK): asks the bot's own `/healthz` and exits
// 0 when it answers 200, 1 otherwise (503 while degraded, e.g. the database not taking writes;
// nothing listening; no answer within 5 s). It reads the bot's HTTP_HOST and HTTP_PORT, so it
// follows them, and needs nothing but node (the runtime image has no curl).
/* global fetch, AbortSignal */
import process from 'node:process';

const TIMEOUT_MS = 5_000;

/** Where to reach the bot: a wildcard listen address is reached on loopback. */
function healthUrl(env) {
  const host = (env.HTTP_HOST ?? '').trim();
  const port = (env.HTTP_PORT ?? '').trim() || '8080';
  const target =
    host === '' || host === '0.0.0.0'
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  return `http://${target}:${port}/healthz`;
}

const url = healthUrl(process.env);
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  await res.body?.cancel();
  if (res.status === 200) process.exit(0);
  process.stderr.write(`unhealthy: ${url} answered ${res.status}\n`);
} catch (err) {
  process.stderr.write(`unhealthy: ${url}: ${err instanceof Error ? err.message : String(err)}\n`);
}
process.exit(1);
