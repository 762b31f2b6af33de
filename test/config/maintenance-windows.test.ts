import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/problems.js';
import { parseServices } from '../../src/config/services-file.js';

const SERVICES = `
services:
  - { id: whatsapp, name: WhatsApp, group: meta, monitors: [{ type: tcp, host: 127.0.0.1, port: 1 }] }
  - { id: instagram, name: Instagram, group: meta, monitors: [{ type: tcp, host: 127.0.0.1, port: 2 }] }
  - { id: github, name: GitHub, monitors: [{ type: tcp, host: 127.0.0.1, port: 3 }] }
`;

function problemsOf(text: string): readonly string[] {
  try {
    parseServices(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('maintenance windows in the services file', () => {
  it('reads one-off and recurring windows, per service and per group', () => {
    const config = parseServices(`${SERVICES}
maintenance:
  - { services: [github], start: "2026-12-24T22:00:00+06:00", end: "2026-12-25T02:00:00+06:00", reason: "Datacentre move" }
  - { groups: [meta], cron: "0 3 * * 0", duration: 2h, timezone: Asia/Dhaka }
  - { services: [github], groups: [meta], cron: "30 23 * * *", duration: 90m }
`);
    expect(config.maintenance).toEqual([
      {
        serviceIds: ['github'],
        schedule: {
          kind: 'once',
          startMs: Date.UTC(2026, 11, 24, 16, 0),
          endMs: Date.UTC(2026, 11, 24, 20, 0),
        },
        reason: 'Datacentre move',
      },
      {
        serviceIds: ['whatsapp', 'instagram'],
        schedule: { kind: 'recurring', cron: '0 3 * * 0', durationMs: 2 * 3600_000, timezone: 'Asia/Dhaka' },
        reason: null,
      },
      {
        serviceIds: ['github', 'whatsapp', 'instagram'],
        schedule: { kind: 'recurring', cron: '30 23 * * *', durationMs: 90 * 60_000, timezone: 'UTC' },
        reason: null,
      },
    ]);
  });

  it('has none when the file declares none', () => {
    expect(parseServices(SERVICES).maintenance).toBeUndefined();
  });

  it('lists every problem with its place: bad cron, unknown service or group, end before start, bad durations, unknown zone', () => {
    const problems = problemsOf(`${SERVICES}
maintenance:
  - { services: [githb], cron: "0 3 * *", duration: 2h }
  - { groups: [metaa], cron: "61 3 * * 0", duration: 0m }
  - { services: [github], start: "2026-12-25T02:00:00+06:00", end: "2026-12-24T22:00:00+06:00" }
  - { services: [github], cron: "0 3 * * 0", duration: 8d, timezone: Asia/Dhakka }
  - { services: [github], start: "2026-12-24 22:00", end: "2026-02-30T10:00:00Z" }
  - { services: [github], start: "2026-12-01T00:00:00Z", end: "2026-12-09T00:00:01Z" }
  - { services: [github], start: "2026-12-01T00:00:00Z", end: "2026-12-02T00:00:00Z", cron: "0 3 * * 0", duration: 1h }
  - { groups: [meta] }
  - { cron: "0 3 * * 0", duration: -1h, colour: blue }
`);
    expect(problems).toEqual([
      'maintenance[0].services[0]: unknown service "githb"',
      'maintenance[0].cron: must have 5 fields (minute hour day-of-month month day-of-week)',
      'maintenance[1].groups[0]: unknown group "metaa" (no service has it as its group)',
      expect.stringMatching(/^maintenance\[1\]\.cron: invalid cron expression \(.+\)$/),
      'maintenance[1].duration: must be longer than 0',
      'maintenance[2].end: must be after start',
      'maintenance[3].duration: a window may last at most 7d',
      'maintenance[3].timezone: unknown IANA time zone "Asia/Dhakka" (e.g. UTC, Asia/Dhaka)',
      'maintenance[4].start: "2026-12-24 22:00" is not a date and time with its UTC offset (e.g. "2026-12-24T22:00:00+06:00")',
      'maintenance[4].end: "2026-02-30T10:00:00Z" is not a date and time with its UTC offset (e.g. "2026-12-24T22:00:00+06:00")',
      'maintenance[5].end: a window may last at most 7d',
      'maintenance[6]: give either start and end (one window) or cron and duration (recurring), not both',
      'maintenance[7]: give start and end (one window) or cron and duration (recurring)',
      'maintenance[8]: unknown key(s) "colour"',
    ]);
  });

  it('reports a window without services or groups, and an empty list', () => {
    expect(
      problemsOf(`${SERVICES}
maintenance:
  - { cron: "0 3 * * 0", duration: -1h }
  - { services: [], cron: "0 3 * * 0", duration: 1h }
`),
    ).toEqual([
      'maintenance[0]: name the services or groups it covers (services: [...], groups: [...])',
      'maintenance[0].duration: must be longer than 0',
      'maintenance[1].services: list at least one',
    ]);
  });

  it("is reported together with the monitors' problems", () => {
    const problems = problemsOf(`${SERVICES}
  - { id: other, name: Other, monitors: [{ type: ftp, host: 127.0.0.1 }] }
maintenance:
  - { services: [nope], cron: "0 3 * * 0", duration: 1h }
`);
    expect(problems).toEqual([
      expect.stringMatching(/^services\[3\]\.monitors\[0\]\.type: unknown probe type "ftp"/),
      'maintenance[0].services[0]: unknown service "nope"',
    ]);
  });
});
