/**
 * `npm run demo`: replays the WhatsApp + Instagram + Messenger outage of Friday 19 March 2021
 * against loopback stand-ins with a simulated clock (the evening in about a minute), and prints
 * what two subscribed chats in Kolkata receive: one in English, one in Bengali (IST times).
 * No network beyond 127.0.0.1, no tokens; the database is a temporary file.
 */
import { formatDuration, formatTime } from '../src/core/i18n/format.js';
import { CHECK_INTERVAL_MS, CHECK_TIMEOUT_MS, REPLAY_CHATS, runReplay } from '../src/demo/replay.js';
import type { ReceivedMessage } from '../src/demo/plain-alert.js';
import { loadScenario } from '../src/demo/scenario.js';

/** Real milliseconds per simulated minute: the 95-minute evening in about a minute. */
const REAL_MS_PER_SIM_MINUTE = 650;
const IST = 'Asia/Kolkata';

const out = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};
const clock = (at: number): string =>
  `${new Date(at).toISOString().slice(11, 16)} UTC / ${formatTime('en', at, IST)} IST`;

const KIND_LABEL: Readonly<Record<ReceivedMessage['kind'], string>> = {
  send: 'new message',
  edit: 'edits its message',
  reply: 'replies to its message',
  summary: 'summary',
};

function printMessage(message: ReceivedMessage): void {
  const chat = REPLAY_CHATS.find((c) => c.chatId === message.chatId);
  const language = chat?.locale === 'bn' ? 'Bengali' : 'English';
  out(`  ┌ ${language} chat, ${KIND_LABEL[message.kind]}`);
  for (const line of message.text.split('\n')) out(`  │ ${line}`);
  out('  └');
}

async function main(): Promise<void> {
  const scenario = loadScenario();
  const { start_estimate: start, end_estimate: end } = scenario.window_utc;
  out(`Replay: ${scenario.title}`);
  out(`Outage ${clock(start)} → ${clock(end)} (${formatDuration('en', end - start)}), from ${scenario.id}.`);
  out(
    `Checks every ${CHECK_INTERVAL_MS / 1000} s (a stalled target gives up after ${CHECK_TIMEOUT_MS} ms, ` +
      'scaled down for the replay); crowd windows of 5 minutes; all targets on 127.0.0.1.',
  );
  out();
  const realStart = performance.now();
  let lastHeader = '';
  const header = (at: number): void => {
    if (clock(at) === lastHeader) return;
    lastHeader = clock(at);
    out(`[${lastHeader}]`);
  };
  const result = await runReplay({
    realMsPerSimMinute: REAL_MS_PER_SIM_MINUTE,
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
      printMessage(message);
    },
  });
  out();
  const resolved = result.events.filter((e) => e.kind === 'resolved');
  const firstAlert = result.messages[0];
  out('Summary');
  if (firstAlert)
    out(
      `  first alert: ${clock(firstAlert.at)}, ${Math.round((firstAlert.at - start) / 1000)} s after the outage began`,
    );
  for (const e of resolved) {
    out(`  ${e.serviceName}: recovered ${clock(e.at)}, outage ${formatDuration('en', e.durationMs ?? 0)}`);
  }
  out(
    `  crowd reports counted: ${result.reports.counted}; checks run: ${result.checks}; messages per chat: ${result.messages.length / REPLAY_CHATS.length}`,
  );
  out(
    `  Facebook (status page "healthy"): ${result.events.some((e) => e.serviceId === 'facebook') ? 'ALERTED' : 'no alert'}`,
  );
  out(
    `  replayed ${Math.round((result.endedAt - result.startedAt) / 60_000)} minutes in ${Math.round((performance.now() - realStart) / 1000)} s`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
