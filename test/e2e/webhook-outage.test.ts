/**
 * The whole app in-process with the webhook platform enabled by the environment (WEBHOOKS_FILE),
 * an HTTP target the test takes down, and a local receiver that fails the alert three ways (500,
 * then 429 with Retry-After, then no answer) before it recovers. The alert must arrive once the
 * receiver works, signed, with the same delivery id on every try; the recovery follows it, in order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { verifyWebhookSignature } from '../../src/platforms/webhook/webhook-signature.js';
import { createLogger } from '../../src/logging.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import {
  type ReceivedRequest,
  type WebhookReceiver,
  startWebhookReceiver,
} from '../fakes/webhook-receiver.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { writeSiteServices } from '../helpers/site-services.js';
import { tempDir } from '../helpers/temp-dir.js';
import { BACKENDS } from '../helpers/backends.js';
import { backendDatabase } from '../helpers/backend-database.js';
import { waitUntil } from './discord-harness.js';

const SECRET = 'e2e-webhook-secret-4821';
const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

interface Body {
  readonly deliveryId: string;
  readonly kind: string;
  readonly replyTo: string | null;
  readonly events: readonly {
    readonly kind: string;
    readonly serviceId: string;
    readonly incidentId: number;
  }[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function verified(request: ReceivedRequest): boolean {
  return verifyWebhookSignature({
    secret: SECRET,
    body: request.body,
    signature: request.headers['x-incident-bot-signature'] as string | undefined,
    timestamp: request.headers['x-incident-bot-timestamp'] as string | undefined,
    nowS: Math.floor(Date.now() / 1000),
  });
}

describe.each(BACKENDS)('webhook platform in the app on %s', (backend) => {
  // On PostgreSQL too: an outage and its recovery through the outbox, retried after 500, 429 and a
  // timeout (leases, attempts, order); the logging case below is about what is printed.
  it('delivers an outage and its recovery once the receiver recovers from 500, 429 and a timeout, in order', async () => {
    const receiver: WebhookReceiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const target: HttpTarget = await startHttpTarget();
    cleanups.push(() => target.close());
    const dir = tempDir('webhook-e2e-');
    const db = await backendDatabase(backend, dir);
    const webhooksFile = join(dir, 'webhooks.yaml');
    writeFileSync(
      webhooksFile,
      `webhooks:
  - { name: ops, url: "${receiver.origin}/incident?key=abc", secret: ${SECRET}, timeout: 1s }
`,
    );
    const config = loadAppConfig({
      ALERT_GATHER_S: '1',
      WEBHOOKS_FILE: webhooksFile,
      ...db.env,
      SERVICES_FILE: writeSiteServices(dir, target.url),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const app: RunningApp = await startApp(config, loadServicesFile(config.servicesFile), {
      clock: { now: () => Date.now() },
      log: silentLog,
      out: discard,
    });
    cleanups.push(() => app.stop());
    expect(app.platforms.map((p) => p.name)).toEqual(['webhook']);

    receiver.answer(
      { status: 500, body: 'busy' },
      { status: 429, headers: { 'retry-after': '1' } },
      { hang: true },
    );
    target.up = false;
    const alertTries = await receiver.waitForRequests(4, 60_000);
    expect(alertTries.map((r) => r.answer)).toEqual([500, 429, 'hang', 200]);
    // One delivery, tried four times: the same id and body each time, each one signed.
    expect(new Set(alertTries.map((r) => r.headers['x-incident-bot-delivery'])).size).toBe(1);
    expect(new Set(alertTries.map((r) => r.body)).size).toBe(1);
    for (const r of alertTries) expect(verified(r)).toBe(true);
    expect(verified({ ...alertTries[3]!, body: alertTries[3]!.body.replace('"site"', '"elsewhere"') })).toBe(
      false,
    );

    target.up = true;
    const all = await receiver.waitForRequests(5, 30_000);
    const delivered = all.filter((r) => r.answer === 200).map((r) => JSON.parse(r.body) as Body);
    expect(delivered.map((b) => [b.kind, b.events.map((e) => `${e.serviceId}:${e.kind}`)])).toEqual([
      ['alert', ['site:opened']],
      ['reply', ['site:resolved']],
    ]);
    expect(delivered[1]?.replyTo).toBe(delivered[0]?.deliveryId);
    expect(all[4]?.path).toBe('/incident?key=abc');
    expect(verified(all[4]!)).toBe(true);

    // Stored as any chat's: both rows sent (once the worker has settled the last one), nothing dead.
    const rows = () =>
      db.rows<{ event_kind: string; status: string }>(
        `SELECT o.event_kind, o.status FROM outbox o JOIN chats c ON c.ref = o.chat_ref
         WHERE c.platform = 'webhook' ORDER BY o.id`,
      );
    await waitUntil(async () => (await rows()).every((r) => r.status !== 'leased'));
    expect(await rows()).toEqual([
      { event_kind: 'opened', status: 'sent' },
      { event_kind: 'resolved', status: 'sent' },
    ]);
  }, 120_000);
});

// Storage as in the case above, on SQLite only (to keep the suite's time down).
describe('webhook platform in the app on sqlite', () => {
  const backend = 'sqlite' as const;
  it('never logs an endpoint of the file by its path, query or secret, even at trace, through failures', async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const target = await startHttpTarget();
    cleanups.push(() => target.close());
    const dir = tempDir('webhook-e2e-');
    const db = await backendDatabase(backend, dir);
    const webhooksFile = join(dir, 'webhooks.yaml');
    const path = '/services/T0SECRETPATH/B0/tok3nvalue';
    writeFileSync(
      webhooksFile,
      `webhooks:
  - { name: team, url: "${receiver.origin}${path}?sig=querysecret", secret: ${SECRET}, timeout: 1s }
`,
    );
    const config = loadAppConfig({
      ALERT_GATHER_S: '1',
      WEBHOOKS_FILE: webhooksFile,
      ...db.env,
      SERVICES_FILE: writeSiteServices(dir, target.url),
      HTTP_PORT: '0',
    });
    const logged: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logged.push(chunk.toString());
        done();
      },
    });
    const app = await startApp(config, loadServicesFile(config.servicesFile), {
      clock: { now: () => Date.now() },
      log: createLogger('trace', config.secrets, sink),
      out: discard,
    });
    cleanups.push(() => app.stop());
    // A failure with the answer in the log, then a refusal: the two log lines that carry the receiver's words.
    receiver.answer({ status: 503, body: 'overloaded' }, { status: 400, body: 'bad' });
    target.up = false;
    await receiver.waitForRequests(2, 60_000);
    await waitUntil(() => logged.some((l) => l.includes('delivery refused')));
    const text = logged.join('');
    expect(text).toContain('HTTP 503: overloaded');
    expect(text).toContain(receiver.origin);
    // On PostgreSQL, the DATABASE_URL's password (when it has one) is never logged either.
    for (const secret of ['T0SECRETPATH', 'tok3nvalue', 'querysecret', SECRET, ...db.secrets])
      expect(text).not.toContain(secret);
  }, 120_000);
});
