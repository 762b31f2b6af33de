import { beforeAll, describe, expect, it } from 'vitest';
import { runReplay, type ReplayResult } from '../../src/demo/replay.js';

/**
 * The replay of 19 March 2021 against loopback stand-ins, with the simulated clock: the alert,
 * the grouped message, the silence of the healthy status page, the recovery and its duration.
 */
describe('replay of the 19 March 2021 Meta outage', () => {
  let result: ReplayResult;
  const META = ['whatsapp', 'instagram', 'messenger'];

  beforeAll(async () => {
    result = await runReplay();
  }, 60_000);

  it('runs the whole evening through the real probes, engine, crowd runtime and outbox', () => {
    expect(result.checks).toBeGreaterThan(0);
    expect(result.reports).toEqual({ counted: expect.any(Number), duplicate: 0 });
    expect(result.reports.counted).toBeGreaterThan(0);
    expect(result.messages.length).toBeGreaterThan(0);
  });

  it('alerts within two check intervals and 30 s of the outage start', () => {
    const start = result.scenario.window_utc.start_estimate;
    const first = result.messages.find((m) => m.job.events.some((e) => e.kind === 'opened'));
    expect(first).toBeDefined();
    expect(first!.at).toBeGreaterThanOrEqual(start);
    expect(first!.at - start).toBeLessThanOrEqual(2 * result.checkIntervalMs + 30_000);
  });

  it('tells each chat about the Meta services in one grouped message', () => {
    for (const chatId of ['kolkata-en', 'kolkata-bn']) {
      const openings = result.messages.filter(
        // New messages only: later edits and replies of the alert show its opening events too.
        (m) =>
          m.chatId === chatId &&
          m.kind === 'send' &&
          m.job.events.some((e) => e.kind === 'opened' || e.kind === 'reopened'),
      );
      expect(openings).toHaveLength(1);
      const [opening] = openings;
      expect(opening!.kind).toBe('send');
      expect(opening!.alert.grouped).toBe(true);
      expect(opening!.alert.services.map((s) => s.id).sort()).toEqual([...META].sort());
    }
    const english = result.messages.find((m) => m.chatId === 'kolkata-en' && m.kind === 'send');
    expect(english!.alert.title).toMatch(/^Meta services: /);
  });

  it('says nothing about Facebook, whose status page stayed healthy', () => {
    expect(result.events.filter((e) => e.serviceId === 'facebook')).toEqual([]);
    expect(result.messages.flatMap((m) => m.alert.services.map((s) => s.id))).not.toContain('facebook');
  });

  it('posts the recovery within two intervals of 18:10 with a duration within two intervals of the real one', () => {
    const { start_estimate: start, end_estimate: end } = result.scenario.window_utc;
    for (const serviceId of META) {
      const resolved = result.events.filter((e) => e.serviceId === serviceId && e.kind === 'resolved');
      expect(resolved).toHaveLength(1);
      const [recovery] = resolved;
      expect(recovery!.at).toBeGreaterThanOrEqual(end);
      expect(recovery!.at - end).toBeLessThanOrEqual(2 * result.checkIntervalMs);
      expect(Math.abs((recovery!.durationMs ?? 0) - (end - start))).toBeLessThanOrEqual(
        2 * result.checkIntervalMs,
      );
      const posted = result.messages.filter(
        (m) =>
          m.kind === 'reply' && m.job.events.some((e) => e.serviceId === serviceId && e.kind === 'resolved'),
      );
      expect(posted.map((m) => m.chatId).sort()).toEqual(['kolkata-bn', 'kolkata-en']);
      expect(posted.every((m) => m.at - end <= 2 * result.checkIntervalMs)).toBe(true);
    }
  });

  it('shows the crowd evidence and the problem kinds as the service gets worse', () => {
    const update = result.messages.find(
      (m) =>
        m.chatId === 'kolkata-en' &&
        m.job.events.some((e) => e.serviceId === 'whatsapp' && e.kind === 'updated'),
    );
    expect(update?.text).toMatch(/Many users report problems: \d+ reports/);
    expect(update?.text).toMatch(/\d+% of reports: (can't connect|messages not sending)/);
    expect(update?.alert.state).toBe('down');
  });

  it('writes the Bengali messages with Bengali digits and the time in IST', () => {
    const bengali = result.messages.find((m) => m.chatId === 'kolkata-bn' && m.kind === 'send');
    // 17:16 UTC is 22:46 IST: "রাত্রি ১০:৪৬".
    expect(bengali?.text).toContain('১০:৪৬');
    expect(bengali?.text).not.toMatch(/\b10:46\b/);
    const recovery = result.messages.find((m) => m.chatId === 'kolkata-bn' && m.text.includes('আবার চালু'));
    expect(recovery?.text).toMatch(/[০-৯]+ মিনিট/);
  });
});
