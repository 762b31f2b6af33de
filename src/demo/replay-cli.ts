/**
 * The console side of `npm run replay <scenario.json>` and `npm run demo`: runs a scenario and
 * prints what each chat receives, as the chat sees it, with the simulated time, then the summary.
 * A scenario with problems prints every one of them and exits 1, without a stack trace.
 */
import { ConfigError } from '../config/problems.js';
import { formatDuration } from '../core/duration.js';
import { formatTime } from '../core/i18n/index.js';
import type { WebhookEndpoint } from '../platforms/webhook/webhook-config.js';
import type { ReceivedMessage } from './plain-alert.js';
import { CHECK_TIMEOUT_MS, runReplay, type ReplayResult } from './replay.js';
import { loadScenario, type Scenario, type ScenarioChat } from './scenario.js';
import { alertToleranceMs, summarize } from './summary.js';

export interface ReplayCliOptions {
  readonly scenarioPath: string;
  /** Real milliseconds per simulated minute; 0: as fast as the checks allow. */
  readonly realMsPerSimMinute: number;
  readonly write: (line: string) => void;
  /** Webhook endpoints that also get the incidents (WEBHOOKS_FILE or WEBHOOK_URL, docs/webhooks.md). */
  readonly webhooks?: readonly WebhookEndpoint[];
  /** Replay on this PostgreSQL database (`DATABASE_URL`), in a schema of its own, instead of SQLite. */
  readonly databaseUrl?: string;
}

const utc = (at: number): string => `${new Date(at).toISOString().slice(11, 16)} UTC`;
const day = (at: number): string => new Date(at).toISOString().slice(0, 10);
/** A language's English name for the console (`Bengali`, `Hindi`), from its code. */
const LANGUAGE = new Intl.DisplayNames(['en'], { type: 'language' });
const KIND_LABEL: Readonly<Record<ReceivedMessage['kind'], string>> = {
  send: 'new message',
  edit: 'edits its message',
  reply: 'replies to its message',
  summary: 'summary',
};

function describeChat(chat: ScenarioChat): string {
  return `${chat.id} (${chat.platform}, ${LANGUAGE.of(chat.locale) ?? chat.locale}, ${chat.timeZone})`;
}

function printHeader(scenario: Scenario, out: (line?: string) => void): void {
  out(`Replay: ${scenario.title}`);
  if (scenario.description !== undefined) out(scenario.description);
  for (const source of scenario.sources) out(`Source: ${source}`);
  if (scenario.note !== undefined) out(`Note: ${scenario.note}`);
  out(
    `Replaying ${day(scenario.from)} ${utc(scenario.from)} → ${utc(scenario.to)} ` +
      `(${formatDuration(scenario.to - scenario.from)}); a stalled check gives up after ${CHECK_TIMEOUT_MS} ms ` +
      '(scaled down for the replay); crowd windows of 5 minutes; every stand-in on 127.0.0.1.',
  );
  for (const [serviceId, windows] of Object.entries(scenario.trouble)) {
    const spans = windows.map((w) => `${utc(w.from)} → ${utc(w.to)}`).join(', ');
    out(`Scripted trouble: ${serviceId} ${spans}`);
  }
  for (const chat of scenario.chats.filter((c) => c.subscribe.length > 0)) {
    out(`Watching: ${describeChat(chat)}, follows ${chat.subscribe.join(', ')}`);
  }
  out();
}

/** Runs the replay and prints it; returns the process exit code. */
export async function replayToConsole(options: ReplayCliOptions): Promise<number> {
  const out = (line = ''): void => options.write(`${line}\n`);
  let scenario: Scenario;
  try {
    scenario = loadScenario(options.scenarioPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out(`${err.source}: ${err.problems.length} problem(s)`);
    for (const problem of err.problems) out(`  - ${problem}`);
    return 1;
  }
  printHeader(scenario, out);
  const chats = new Map(scenario.chats.map((chat) => [chat.id, chat]));
  const realStart = performance.now();
  let lastHeader = '';
  const header = (at: number): void => {
    if (utc(at) === lastHeader) return;
    lastHeader = utc(at);
    out(`[${lastHeader}]`);
  };
  const result = await runReplay({
    scenario,
    realMsPerSimMinute: options.realMsPerSimMinute,
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    onNote: (at, text) => {
      header(at);
      out(`  · ${text}`);
    },
    onIncident: (event) => {
      header(event.at);
      out(`  · detection: ${event.serviceName} ${event.kind} (${event.status})`);
    },
    onMessage: (message) => {
      header(message.at);
      const chat = chats.get(message.chatId);
      const local = chat === undefined ? '' : `, ${formatTime(chat.locale, message.at, chat.timeZone)} local`;
      out(
        `  ┌ ${chat === undefined ? message.chatId : describeChat(chat)}: ${KIND_LABEL[message.kind]}${local}`,
      );
      for (const line of message.text.split('\n')) out(`  │ ${line}`);
      out('  └');
    },
  });
  out();
  for (const line of formatSummary(result)) out(line);
  out(
    `  replayed ${Math.round((result.endedAt - result.startedAt) / 60_000)} minutes in ${Math.round((performance.now() - realStart) / 1000)} s`,
  );
  return 0;
}

/** The summary lines printed after a replay (docs/replay.md, "Output and summary"). */
export function formatSummary(result: ReplayResult): string[] {
  const summary = summarize(result);
  const lines = ['Summary'];
  const out = (line: string): void => {
    lines.push(line);
  };
  if (summary.firstAlert === null) out('  first alert: none');
  else {
    const after =
      summary.firstAlert.afterMs === null
        ? ''
        : `, ${formatDuration(Math.abs(summary.firstAlert.afterMs))} ${summary.firstAlert.afterMs < 0 ? 'before' : 'after'} the scripted trouble began`;
    out(`  first alert: ${utc(summary.firstAlert.at)} in ${summary.firstAlert.chatId}${after}`);
  }
  for (const outage of summary.outages) {
    const span = `${utc(outage.trouble.from)} → ${utc(outage.trouble.to)}`;
    const alerted =
      outage.alertedAt === null
        ? 'NOT ALERTED'
        : `alerted ${formatDuration(outage.alertedAt - outage.trouble.from)} after it began`;
    const recovered =
      outage.resolvedAt === null
        ? 'no recovery seen'
        : `recovery ${utc(outage.resolvedAt)} (${formatDuration(Math.max(0, outage.resolvedAt - outage.trouble.to))} after the scripted end), incident ${formatDuration(outage.durationMs ?? 0)}`;
    out(`  ${outage.serviceId} trouble ${span}: ${alerted}; ${recovered}`);
  }
  for (const incident of summary.incidents) {
    const end =
      incident.resolvedAt === null
        ? 'still open at the end'
        : `→ ${utc(incident.resolvedAt)}, ${formatDuration(incident.durationMs ?? 0)}`;
    out(`  incident: ${incident.serviceName} ${utc(incident.openedAt)} ${end}`);
  }
  for (const chat of summary.chats) {
    out(`  ${chat.chatId}: ${chat.newMessages} new message(s), ${chat.edits} edit(s)`);
  }
  if (summary.falseAlerts.length === 0) out('  false alerts: none');
  for (const event of summary.falseAlerts) {
    const tolerance = formatDuration(alertToleranceMs(result.intervalMs.get(event.serviceId) ?? 60_000));
    out(
      `  FALSE ALERT: ${event.serviceName} ${event.kind} at ${utc(event.at)}, outside its trouble windows (+${tolerance})`,
    );
  }
  const quiet = result.services.services.filter(
    (service) =>
      (result.scenario.trouble[service.id] ?? []).length === 0 &&
      !result.events.some((event) => event.serviceId === service.id),
  );
  if (quiet.length > 0) out(`  no alert, as scripted: ${quiet.map((service) => service.name).join(', ')}`);
  out(`  crowd reports counted: ${result.reports.counted}; checks run: ${result.checks}`);
  if (result.webhookResults.length > 0) {
    const counts = new Map<string, number>();
    for (const r of result.webhookResults) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    out(`  webhook deliveries: ${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  }
  return lines;
}

/** `argv` of `npm run replay`: a scenario path and optionally `--pace <real ms per simulated minute>`. */
export function parseReplayArgs(
  argv: readonly string[],
): { scenarioPath: string; realMsPerSimMinute: number } | string {
  const rest = [...argv];
  let pace = 0;
  const paceAt = rest.indexOf('--pace');
  if (paceAt >= 0) {
    pace = Number(rest[paceAt + 1]);
    if (!Number.isFinite(pace) || pace < 0)
      return '--pace takes real milliseconds per simulated minute, e.g. --pace 650';
    rest.splice(paceAt, 2);
  }
  if (rest.length !== 1 || rest[0] === undefined || rest[0].startsWith('-')) {
    return 'usage: npm run replay <scenario.json> [-- --pace <real ms per simulated minute>]';
  }
  return { scenarioPath: rest[0], realMsPerSimMinute: pace };
}
