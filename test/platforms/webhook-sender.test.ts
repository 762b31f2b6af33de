import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import type { WebhookEndpoint } from '../../src/platforms/webhook/webhook-config.js';
import {
  WEBHOOK_SCHEMA,
  deliveryIdOf,
  escapeSlack,
  renderJsonBody,
  renderSlackBody,
} from '../../src/platforms/webhook/webhook-payload.js';
import {
  DEFAULT_RETRY_AFTER_MS,
  WebhookSender,
  retryAfterMs,
} from '../../src/platforms/webhook/webhook-sender.js';
import { signWebhook, verifyWebhookSignature } from '../../src/platforms/webhook/webhook-signature.js';
import { T0, incidentEvent } from '../dispatch/delivery-fixtures.js';
import { type WebhookReceiver, startWebhookReceiver } from '../fakes/webhook-receiver.js';
import { FakeClock } from '../helpers/catalog.js';

const SECRET = 'whsec-test-0123456789';
const settings = { locale: 'en', timeZone: 'UTC', mentionRoleId: null } as const;

const probeEvidence = {
  kind: 'probe',
  monitorId: 'whatsapp-http',
  target: 'https://web.whatsapp.com/',
  state: 'down',
  reason: 'http-status',
  message: 'HTTP 503',
} as const;

function job(overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    chatId: 'ops',
    kind: 'send',
    events: [incidentEvent({ evidence: [probeEvidence] })],
    settings,
    ...overrides,
  };
}

/** The v1 body as docs/webhooks.md describes it: what a receiver may rely on. */
const isoDate = z.iso.datetime();
const v1Body = z.strictObject({
  schema: z.literal('incident-bot.webhook/v1'),
  deliveryId: z.string().regex(/^[0-9a-f]{32}$/),
  endpoint: z.string(),
  kind: z.enum(['alert', 'update', 'reply', 'summary']),
  updates: z.string().nullable(),
  replyTo: z.string().nullable(),
  locale: z.string(),
  text: z.string().min(1),
  title: z.string().min(1),
  severity: z.enum(['minor', 'major']),
  events: z
    .array(
      z.strictObject({
        eventId: z.string().regex(/^[0-9a-f]{32}$/),
        incidentId: z.number().int(),
        serviceId: z.string(),
        serviceName: z.string(),
        group: z.string().nullable(),
        kind: z.enum(['opened', 'reopened', 'updated', 'resolved']),
        severity: z.enum(['minor', 'major']),
        worstSeverity: z.enum(['minor', 'major']).nullable(),
        status: z.enum(['up', 'degraded', 'down', 'unknown', 'maintenance']),
        startedAt: isoDate,
        at: isoDate,
        resolvedAt: isoDate.nullable(),
        durationMs: z.number().int().nullable(),
        evidence: z.array(z.object({ kind: z.string() }).loose()),
        evidenceText: z.array(z.string()),
      }),
    )
    .min(1),
});

describe('webhook signature', () => {
  const body = '{"schema":"incident-bot.webhook/v1"}';
  const ts = 1_700_000_000;

  it('verifies a signed body and fails for a tampered body, another secret, an old timestamp', () => {
    const signature = signWebhook(SECRET, ts, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const input = { secret: SECRET, body, signature, timestamp: String(ts), nowS: ts + 10 };
    expect(verifyWebhookSignature(input)).toBe(true);
    expect(verifyWebhookSignature({ ...input, body: body.replace('v1', 'v2') })).toBe(false);
    expect(verifyWebhookSignature({ ...input, secret: 'another-secret' })).toBe(false);
    expect(verifyWebhookSignature({ ...input, timestamp: String(ts + 1) })).toBe(false);
    expect(verifyWebhookSignature({ ...input, nowS: ts + 301 })).toBe(false);
    expect(verifyWebhookSignature({ ...input, signature: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...input, signature: 'sha256=00' })).toBe(false);
  });
});

describe('webhook bodies', () => {
  it('gives one delivery the same id on every try, and different deliveries different ids', () => {
    expect(deliveryIdOf('ops', job())).toBe(deliveryIdOf('ops', job()));
    expect(deliveryIdOf('ops', job())).not.toBe(deliveryIdOf('other', job()));
    expect(deliveryIdOf('ops', job())).not.toBe(
      deliveryIdOf('ops', job({ kind: 'edit', editMessageId: 'x' })),
    );
  });

  it('gives an event the same id in a retry that grouped later events with it (a new delivery id)', () => {
    const first = incidentEvent({ evidence: [probeEvidence] });
    const later = incidentEvent({
      incidentId: 2,
      serviceId: 'github',
      serviceName: 'GitHub',
      at: T0 + 5_000,
    });
    const alone = job({ events: [first] });
    const grouped = job({ events: [first, later] });
    const idsOf = (j: DeliveryJob) =>
      v1Body.parse(renderJsonBody('ops', j, deliveryIdOf('ops', j))).events.map((e) => e.eventId);
    expect(deliveryIdOf('ops', grouped)).not.toBe(deliveryIdOf('ops', alone));
    const [aloneId] = idsOf(alone);
    const [groupedFirst, groupedLater] = idsOf(grouped);
    expect(groupedFirst).toBe(aloneId);
    expect(groupedLater).not.toBe(aloneId);
    expect(idsOf(job({ events: [{ ...first, kind: 'resolved', at: T0 + 60_000 }] }))[0]).not.toBe(aloneId);
  });

  it('escapes untrusted text for Slack and never lets a mention through', () => {
    expect(escapeSlack('a & b <!channel> <@U123|bob> @here @channel x@y.z')).toBe(
      'a &amp; b &lt;!channel&gt; &lt;@\u2060U123|bob&gt; @\u2060here @\u2060channel x@\u2060y.z',
    );
    const hostile = incidentEvent({
      serviceName: '<!channel> & <https://evil.example|click> @all',
      evidence: [{ ...probeEvidence, target: '<!here>', message: 'HTTP 503' }],
    });
    const { text } = renderSlackBody(job({ events: [hostile] }));
    expect(text).not.toMatch(/<|>/);
    expect(text).not.toMatch(/@(all|here|channel)/);
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(text.startsWith('*')).toBe(true);
  });

  it('breaks Markdown links and images for Mattermost, which renders Markdown in text', () => {
    const hostile = incidentEvent({
      serviceName: '![pixel](https://evil.example/p.png) [login](https://evil.example/)',
      evidence: [{ ...probeEvidence, message: 'see [docs] (x) and [here](https://evil.example/)' }],
    });
    const { text } = renderSlackBody(job({ events: [hostile] }));
    expect(text).not.toContain('](');
    expect(text).toContain('[pixel]\u2060(https://evil.example/p.png)');
    expect(escapeSlack('[a] (b)')).toBe('[a] (b)');
  });
});

describe('WebhookSender against a local receiver', () => {
  let receiver: WebhookReceiver;
  let clock: FakeClock;
  let sender: WebhookSender;
  const signal = new AbortController().signal;

  const endpoint = (overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
    name: 'ops',
    url: `${receiver.origin}/hooks/incident?token=query-secret`,
    secret: SECRET,
    format: 'json',
    services: ['*'],
    minSeverity: 'minor',
    locale: 'en',
    timeZone: 'UTC',
    timeoutMs: 300,
    ...overrides,
  });

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    clock = new FakeClock(T0 + 60_000);
    sender = new WebhookSender(
      [endpoint(), endpoint({ name: 'chat', format: 'slack', secret: null })],
      clock,
    );
  });
  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it('POSTs a signed v1 body whose signature verifies, and returns the delivery id as the message id', async () => {
    const result = await sender.deliver(job(), signal);
    const [request] = await receiver.waitForRequests(1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/incident?token=query-secret');
    const headers = request?.headers ?? {};
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['x-incident-bot-timestamp']).toBe(String((T0 + 60_000) / 1000));
    const body = request?.body ?? '';
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        body,
        signature: headers['x-incident-bot-signature'] as string,
        timestamp: headers['x-incident-bot-timestamp'] as string,
        nowS: (T0 + 60_000) / 1000,
      }),
    ).toBe(true);
    const parsed = v1Body.parse(JSON.parse(body));
    expect(parsed).toMatchObject({
      schema: WEBHOOK_SCHEMA,
      endpoint: 'ops',
      kind: 'alert',
      updates: null,
      replyTo: null,
      severity: 'major',
      events: [
        {
          incidentId: 1,
          serviceId: 'whatsapp',
          kind: 'opened',
          status: 'down',
          startedAt: new Date(T0).toISOString(),
          resolvedAt: null,
          evidence: [probeEvidence],
        },
      ],
    });
    expect(parsed.text).toContain('WhatsApp');
    expect(parsed.events[0]?.evidenceText.join(' ')).toMatch(/503/);
    expect(headers['x-incident-bot-delivery']).toBe(parsed.deliveryId);
    expect(result).toEqual({ kind: 'sent', messageId: parsed.deliveryId });
  });

  it('names the alert an update replaces and the one a recovery answers, in the localised language', async () => {
    const sent = await sender.deliver(job(), signal);
    const alertId = sent.kind === 'sent' ? sent.messageId : '';
    const edit = await sender.deliver(
      job({
        kind: 'edit',
        editMessageId: alertId,
        events: [incidentEvent({ kind: 'updated', severity: 'minor', status: 'degraded' })],
      }),
      signal,
    );
    expect(edit).toEqual({ kind: 'sent', messageId: alertId });
    await sender.deliver(
      job({
        kind: 'reply',
        replyToMessageId: alertId,
        settings: { ...settings, locale: 'bn' },
        events: [incidentEvent({ kind: 'resolved', status: 'up', at: T0 + 600_000, durationMs: 600_000 })],
      }),
      signal,
    );
    const bodies = (await receiver.waitForRequests(3)).map((r) => v1Body.parse(JSON.parse(r.body)));
    expect(bodies.map((b) => [b.kind, b.updates, b.replyTo])).toEqual([
      ['alert', null, null],
      ['update', alertId, null],
      ['reply', null, alertId],
    ]);
    expect(bodies[2]).toMatchObject({
      locale: 'bn',
      events: [{ kind: 'resolved', resolvedAt: new Date(T0 + 600_000).toISOString(), durationMs: 600_000 }],
    });
    expect(bodies[2]?.text).toMatch(/[\u0980-\u09FF]/);
  });

  it('sends { text } to a slack endpoint, unsigned when it has no secret', async () => {
    await sender.deliver(job({ chatId: 'chat' }), signal);
    const [request] = await receiver.waitForRequests(1);
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(body['text']).toMatch(/^\*.*WhatsApp.*\*\n/);
    expect(request?.headers['x-incident-bot-signature']).toBeUndefined();
  });

  it('classifies answers: 500 and a timeout retry, 429 waits Retry-After, 410 ends the endpoint, 400 kills the row', async () => {
    receiver.answer(
      { status: 500, body: 'boom' },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': new Date(T0 + 60_000 + 90_000).toUTCString() } },
      { status: 429 },
      { hang: true },
      { reset: true },
      { status: 410 },
      { status: 400, body: 'missing field' },
      { status: 302, headers: { location: '/elsewhere' } },
    );
    const results = [];
    for (let i = 0; i < 9; i++) results.push(await sender.deliver(job(), signal));
    expect(results).toEqual([
      { kind: 'transient', error: 'HTTP 500: boom' },
      { kind: 'rate-limited', retryAfterMs: 7_000 },
      { kind: 'rate-limited', retryAfterMs: 90_000 },
      { kind: 'rate-limited', retryAfterMs: DEFAULT_RETRY_AFTER_MS },
      { kind: 'transient', error: 'no answer within 300 ms' },
      { kind: 'transient', error: expect.stringMatching(/socket|ECONNRESET|closed/i) },
      { kind: 'permanent', reason: 'HTTP 410 Gone' },
      { kind: 'rejected', reason: 'HTTP 400: missing field' },
      { kind: 'rejected', reason: 'HTTP 302: redirects are not followed' },
    ]);
    // Errors never carry the URL's path or query.
    for (const r of results) expect(JSON.stringify(r)).not.toMatch(/hooks|query-secret/);
  });

  it('a refused connection is transient, and an endpoint no longer configured is gone', async () => {
    await receiver.close();
    const refused = await sender.deliver(job(), signal);
    expect(refused).toMatchObject({ kind: 'transient', error: expect.stringMatching(/ECONNREFUSED/) });
    expect(JSON.stringify(refused)).not.toMatch(/query-secret|hooks/);
    receiver = await startWebhookReceiver();
    expect(await sender.deliver(job({ chatId: 'removed' }), signal)).toEqual({
      kind: 'permanent',
      reason: 'webhook endpoint no longer configured',
    });
  });
});

describe('WebhookSender against a receiver whose answer body never ends', () => {
  let server: Server;
  let origin: string;
  const signal = new AbortController().signal;
  const statuses: number[] = [];

  beforeEach(async () => {
    // Answers with the next status and then streams its body for as long as the socket is open.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(statuses.shift() ?? 200, { 'content-type': 'text/plain' });
        const chunk = 'x'.repeat(16 * 1024);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('takes the status without reading the whole body: a 2xx is sent, a 500 keeps the start of its body', async () => {
    const sender = new WebhookSender(
      [
        {
          name: 'ops',
          url: `${origin}/hook`,
          secret: SECRET,
          format: 'json',
          services: ['*'],
          minSeverity: 'minor',
          locale: 'en',
          timeZone: 'UTC',
          timeoutMs: 1_000,
        },
      ],
      new FakeClock(T0),
    );
    try {
      statuses.push(200, 500);
      expect(await sender.deliver(job(), signal)).toEqual({
        kind: 'sent',
        messageId: deliveryIdOf('ops', job()),
      });
      expect(await sender.deliver(job(), signal)).toEqual({
        kind: 'transient',
        error: expect.stringMatching(/^HTTP 500: x+…?$/),
      });
    } finally {
      await sender.close();
    }
  });
});

describe('Retry-After', () => {
  it('reads seconds or an HTTP date, defaults when unreadable and caps far dates at an hour', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 5_000).toUTCString(), now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs(undefined, now)).toBe(DEFAULT_RETRY_AFTER_MS);
    expect(retryAfterMs('86400', now)).toBe(3_600_000);
    expect(retryAfterMs('0', now)).toBe(1_000);
  });
});
