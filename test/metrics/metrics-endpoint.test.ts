import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { AppMetrics } from '../../src/metrics/app-metrics.js';
import { OutboxGauges } from '../../src/metrics/outbox-gauges.js';
import { CONTROL_SERVICES_YAML, type WebHarness, startWebHarness } from '../web/web-harness.js';

const MINUTE = 60_000;

function family(families: readonly PromFamily[], name: string): PromFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no metric ${name}`);
  return f;
}

const valueOf = (f: PromFamily, labels: Record<string, string>): number | undefined => {
  const sample = f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
};

describe('GET /metrics', () => {
  let web: WebHarness;
  let metrics: AppMetrics;
  afterEach(async () => web?.close());

  async function start(yaml?: string): Promise<WebHarness> {
    web = await startWebHarness(yaml, (h) => {
      const outbox = new OutboxGauges(h.db);
      metrics = new AppMetrics({
        clock: h.clock,
        serviceStates: () => h.view.listServices(),
        openIncidents: async () => (await h.view.incidents({ state: 'open', limit: 10_000 })).length,
        outbox: () => outbox.depth(),
        vantageOk: () => h.view.vantage().ok,
      });
      return { metrics };
    });
    return web;
  }

  async function scrape(): Promise<PromFamily[]> {
    const res = await fetch(`${web.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusTextFormat(await res.text());
  }

  it('counts checks by type and outcome, with a latency histogram', async () => {
    await start();
    metrics.recordCheck('http', { status: 'up', latencyMs: 120 });
    metrics.recordCheck('http', { status: 'up', latencyMs: 40 });
    metrics.recordCheck('http', { status: 'down', latencyMs: null });
    metrics.recordCheck('tcp', { status: 'down', latencyMs: null });
    const families = await scrape();
    const checks = family(families, 'incident_bot_checks_total');
    expect(checks.type).toBe('COUNTER');
    expect(valueOf(checks, { type: 'http', outcome: 'up' })).toBe(2);
    expect(valueOf(checks, { type: 'http', outcome: 'down' })).toBe(1);
    expect(valueOf(checks, { type: 'tcp', outcome: 'down' })).toBe(1);
    const latency = family(families, 'incident_bot_check_latency_seconds');
    expect(latency.type).toBe('HISTOGRAM');
    // The parser folds a histogram's label sets into one and drops _sum/_count, so only one
    // type is observed here: the tcp check had no answer and is not in the histogram.
    expect(latency.metrics).toHaveLength(1);
    const http = latency.metrics[0];
    expect(Number(http?.buckets?.['+Inf'])).toBe(2); // the checks without an answer are not observed
    expect(Number(http?.buckets?.['0.05'])).toBe(1);
    expect(Number(http?.buckets?.['0.25'])).toBe(2);
  });

  it('says whether our own network looks fine: incident_bot_vantage_ok 1, 0 while the control fails, 1 again', async () => {
    await start(CONTROL_SERVICES_YAML);
    const control = web.services.monitors.find((m) => m.serviceId === null)?.id ?? '';
    const gauge = async () => valueOf(family(await scrape(), 'incident_bot_vantage_ok'), {});
    expect(await gauge()).toBe(1);
    web.check(control, { status: 'down' });
    expect(await gauge()).toBe(0);
    web.clock.advance(MINUTE);
    web.check(control, { status: 'up' });
    expect(await gauge()).toBe(1);
  });

  it('records how late checks start against their slot, and the event-loop delay of the process', async () => {
    await start();
    const slot = 1_700_000_000_000;
    metrics.recordCheckStart(slot, slot + 3); // on time
    metrics.recordCheckStart(slot, slot + 700);
    metrics.recordCheckStart(slot, slot + 4000); // late: a blocked loop or a full concurrency cap
    metrics.recordCheckStart(slot, slot - 5); // a timer a little early counts as on time
    const families = await scrape();
    const lateness = family(families, 'incident_bot_check_start_lateness_seconds');
    expect(lateness.type).toBe('HISTOGRAM');
    const buckets = lateness.metrics[0]?.buckets ?? {};
    expect(Number(buckets['0.01'])).toBe(2);
    expect(Number(buckets['1'])).toBe(3); // within 1 s of the slot: the on-time bound
    expect(Number(buckets['5'])).toBe(4);
    expect(Number(buckets['+Inf'])).toBe(4);
    expect(families.some((f) => f.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('reports service states, open incidents, and the outbox depth with the age of its oldest row', async () => {
    await start();
    const [wa] = web.services.monitors.map((m) => m.id) as [string];
    web.subscriptions.subscribe(
      { platform: 'telegram', chatId: '-100' },
      'whatsapp',
      'minor',
      web.clock.now(),
    );
    web.subscriptions.subscribe({ platform: 'discord', chatId: '42' }, 'whatsapp', 'minor', web.clock.now());
    for (let i = 0; i < 3; i++) {
      web.check(wa, { status: 'down' });
      web.clock.advance(MINUTE);
    }
    const families = await scrape();
    const states = family(families, 'incident_bot_service_state');
    expect(states.type).toBe('GAUGE');
    expect(valueOf(states, { service: 'whatsapp', state: 'down' })).toBe(1);
    expect(valueOf(states, { service: 'whatsapp', state: 'up' })).toBe(0);
    expect(valueOf(states, { service: 'github', state: 'unknown' })).toBe(1);
    expect(valueOf(family(families, 'incident_bot_open_incidents'), {})).toBe(1);
    // The incident opened at the second failure (START + 1 min) and nothing delivered since.
    expect(valueOf(family(families, 'incident_bot_outbox_pending'), { platform: 'telegram' })).toBe(1);
    expect(valueOf(family(families, 'incident_bot_outbox_pending'), { platform: 'discord' })).toBe(1);
    const age = family(families, 'incident_bot_outbox_oldest_pending_age_seconds');
    expect(valueOf(age, { platform: 'telegram' })).toBe(120);
  });

  it('counts deliveries by platform and outcome, rate-limit waits and reports received', async () => {
    await start();
    metrics.recordDelivery('telegram', 'sent');
    metrics.recordDelivery('telegram', 'sent');
    metrics.recordDelivery('discord', 'rate-limited');
    metrics.recordRateLimitWait('discord', 1500);
    metrics.recordRateLimitWait('discord', 500);
    metrics.recordReport('whatsapp', 'counted');
    const families = await scrape();
    expect(
      valueOf(family(families, 'incident_bot_deliveries_total'), { platform: 'telegram', outcome: 'sent' }),
    ).toBe(2);
    expect(
      valueOf(family(families, 'incident_bot_deliveries_total'), {
        platform: 'discord',
        outcome: 'rate-limited',
      }),
    ).toBe(1);
    expect(valueOf(family(families, 'incident_bot_rate_limit_waits_total'), { platform: 'discord' })).toBe(2);
    expect(
      valueOf(family(families, 'incident_bot_rate_limit_wait_seconds_total'), { platform: 'discord' }),
    ).toBe(2);
    expect(
      valueOf(family(families, 'incident_bot_reports_received_total'), {
        service: 'whatsapp',
        outcome: 'counted',
      }),
    ).toBe(1);
  });
});
