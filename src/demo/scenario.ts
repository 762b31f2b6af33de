/**
 * The founding outage (WhatsApp + Instagram + Messenger, Friday 19 March 2021) as a replay plan:
 * when the targets fail, when they recover, and who reports what, from the scenario file in
 * test/fixtures/scenarios (a copy of shared/fixtures/scenarios).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { WINDOW_MS } from '../core/crowd/crowd-window.js';

export const SCENARIO_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/scenarios/2021-03-19_meta_whatsapp_instagram.json',
);

const isoTime = z.iso.datetime().transform((text) => Date.parse(text));

/** The parts of the scenario file the replay uses; the rest is narrative for people. */
const scenarioSchema = z.object({
  id: z.string(),
  title: z.string(),
  services: z.array(z.string()).min(1),
  window_utc: z.object({ start_estimate: isoTime, end_estimate: isoTime }),
  timeline: z.array(z.object({ t: isoTime, what: z.string() })).min(1),
});
export type Scenario = z.infer<typeof scenarioSchema>;

/** Reads and validates the scenario file; throws with the zod issues when it is not one. */
export function loadScenario(path = SCENARIO_FILE): Scenario {
  return scenarioSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** How a loopback stand-in for a service's web endpoint behaves. */
export type TargetMode = 'ok' | 'http-5xx' | 'stall';

/** One member of a chat reporting a problem, as `/report <service> <text>` would carry it. */
export interface PlannedReport {
  readonly at: number;
  readonly serviceId: string;
  readonly userId: string;
  readonly chat: {
    readonly platform: 'telegram' | 'discord';
    readonly chatId: string;
    readonly guildId: string | null;
  };
  readonly text: string;
}

/**
 * Reporters per 5-minute window, by window offset from the outage start (in windows). Constructed
 * from the scenario's narrative (reports rising in India at 17:10, the UK at 17:20, a peak in the
 * first half hour, a fall as people give up; Downdetector saw about 119,000 Instagram and 25,000
 * WhatsApp reports worldwide) and scaled to a handful of community chats: not a measurement.
 */
const REPORTERS_PER_WINDOW: Readonly<Record<string, readonly number[]>> = {
  //           -1   0   1   2   3   4   5   6   7   8   9  10  11  12
  whatsapp: [4, 24, 36, 40, 30, 24, 18, 14, 12, 10, 8, 6, 2, 1],
  instagram: [1, 20, 40, 40, 32, 26, 20, 14, 12, 10, 8, 6, 1, 0],
  messenger: [0, 6, 8, 8, 6, 6, 5, 5, 4, 3, 3, 2, 0, 0],
};
const FIRST_REPORT_WINDOW = -1;

/** What people wrote, by service, in the proportions of the Indian breakdown in the scenario. */
const PROBLEM_TEXTS: Readonly<Record<string, readonly string[]>> = {
  // 49% connection, 48% send/receive, 2% login
  whatsapp: ["can't connect", 'messages not sending', "can't connect", 'messages not sending', 'connecting…'],
  // 66% feed
  instagram: ['feed not loading', 'feed not loading', 'feed not loading', "can't log in", 'website down'],
  messenger: ['messages not sending', 'message not delivered', "can't connect"],
};

/** Indian chats report first (22:40 IST), British ones join from 17:20 UTC. */
const INDIA_CHATS = [
  { platform: 'telegram', chatId: '-1001001', guildId: null },
  { platform: 'telegram', chatId: '-1001002', guildId: null },
  { platform: 'telegram', chatId: '-1001003', guildId: null },
  { platform: 'discord', chatId: '2001', guildId: '900001' },
] as const;
const UK_CHATS = [
  { platform: 'discord', chatId: '2002', guildId: '900002' },
  { platform: 'telegram', chatId: '-1001004', guildId: null },
] as const;
const UK_JOINS_AFTER_MS = 5 * 60_000;

/** Every planned report, in time order: spread evenly over each window, chats in turn. */
export function planReports(scenario: Scenario): PlannedReport[] {
  const start = scenario.window_utc.start_estimate;
  const reports: PlannedReport[] = [];
  for (const [serviceId, counts] of Object.entries(REPORTERS_PER_WINDOW)) {
    const texts = PROBLEM_TEXTS[serviceId] ?? ['not working'];
    counts.forEach((count, index) => {
      const windowStart = start + (FIRST_REPORT_WINDOW + index) * WINDOW_MS;
      const chats = windowStart - start >= UK_JOINS_AFTER_MS ? [...INDIA_CHATS, ...UK_CHATS] : INDIA_CHATS;
      for (let i = 0; i < count; i++) {
        reports.push({
          at: windowStart + Math.floor(((i + 0.5) * WINDOW_MS) / count),
          serviceId,
          userId: `${serviceId}-${index}-${i}`,
          chat: chats[i % chats.length] ?? INDIA_CHATS[0],
          text: texts[i % texts.length] ?? 'not working',
        });
      }
    });
  }
  return reports.sort((a, b) => a.at - b.at);
}

/**
 * How each stand-in behaves at `at`: Instagram answers 5xx (seen on 19 March), WhatsApp's and
 * Messenger's web endpoints stop answering (inferred: the apps could not connect), Facebook
 * stays up, and everything is back at the scenario's end estimate.
 */
export function targetModes(scenario: Scenario, at: number): Readonly<Record<string, TargetMode>> {
  const out = at >= scenario.window_utc.start_estimate && at < scenario.window_utc.end_estimate;
  return {
    instagram: out ? 'http-5xx' : 'ok',
    whatsapp: out ? 'stall' : 'ok',
    messenger: out ? 'stall' : 'ok',
    facebook: 'ok',
  };
}
