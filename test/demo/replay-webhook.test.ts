/**
 * The founding-outage replay delivering to a webhook endpoint too: the real sender posts the
 * replay's incidents to a local receiver, each request signed with the endpoint's secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReplayResult, runReplay } from '../../src/demo/replay.js';
import { verifyWebhookSignature } from '../../src/platforms/webhook/webhook-signature.js';
import { type WebhookReceiver, startWebhookReceiver } from '../fakes/webhook-receiver.js';

const SECRET = 'replay-webhook-secret-77';

interface Body {
  readonly schema: string;
  readonly kind: string;
  readonly events: readonly {
    readonly incidentId: number;
    readonly serviceId: string;
    readonly kind: string;
    readonly at: string;
  }[];
}

describe('npm run replay with a webhook endpoint', () => {
  let receiver: WebhookReceiver;
  let result: ReplayResult;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    result = await runReplay({
      webhooks: [
        {
          name: 'replay',
          url: `${receiver.origin}/incidents`,
          secret: SECRET,
          format: 'json',
          services: ['*'],
          minSeverity: 'minor',
          locale: 'en',
          timeZone: 'Asia/Kolkata',
          timeoutMs: 5_000,
        },
      ],
    });
  }, 180_000);
  afterAll(async () => {
    await receiver.close();
  });

  it('posts every incident of the evening, signed, and each delivery is accepted', () => {
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(result.webhookResults.map((r) => r.kind)).toEqual(receiver.requests.map(() => 'sent'));
    for (const request of receiver.requests) {
      const ok = verifyWebhookSignature({
        secret: SECRET,
        body: request.body,
        signature: request.headers['x-incident-bot-signature'] as string | undefined,
        timestamp: request.headers['x-incident-bot-timestamp'] as string | undefined,
        nowS: Math.floor(Date.now() / 1000),
      });
      expect(ok).toBe(true);
      expect(
        verifyWebhookSignature({
          secret: 'wrong',
          body: request.body,
          signature: request.headers['x-incident-bot-signature'] as string,
          timestamp: request.headers['x-incident-bot-timestamp'] as string,
          nowS: Math.floor(Date.now() / 1000),
        }),
      ).toBe(false);
    }
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as Body);
    expect(new Set(bodies.map((b) => b.schema))).toEqual(new Set(['incident-bot.webhook/v1']));
    // A grouped alert's update shows every event of the group again: count each event once, where it first appears.
    const key = (e: { incidentId: number; kind: string; at: string }) => `${e.incidentId}:${e.kind}:${e.at}`;
    const seen = [...new Set(bodies.flatMap((b) => b.events.map(key)))];
    // Every incident event the engine raised reached the endpoint once, in the order it happened
    // (events at the same instant, grouped into one body, in the alert's order).
    const raised = result.events.map((e) => key({ ...e, at: new Date(e.at).toISOString() }));
    expect([...seen].sort()).toEqual([...raised].sort());
    const times = seen.map((k) => k.split(':').slice(2).join(':'));
    expect(times).toEqual([...times].sort());
    const kinds = bodies.flatMap((b) => b.events.map((e) => `${e.serviceId}:${e.kind}`));
    expect(kinds).toEqual(
      expect.arrayContaining(['instagram:opened', 'whatsapp:opened', 'instagram:resolved']),
    );
  });
});
