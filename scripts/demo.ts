/**
 * `npm run demo`: the replay of the founding outage, WhatsApp + Instagram + Messenger on Friday
 * 19 March 2021 (scenarios/2021-03-19-meta.json), the evening in about a minute: what two chats
 * in Kolkata receive, one in English, one in Bengali. Same as `npm run replay` of that scenario
 * with `--pace 650`.
 */
import { replayToConsole } from '../src/demo/replay-cli.js';
import { FOUNDING_SCENARIO } from '../src/demo/scenario.js';

/** Real milliseconds per simulated minute: the 90-minute evening in about a minute. */
const REAL_MS_PER_SIM_MINUTE = 650;

replayToConsole({
  scenarioPath: FOUNDING_SCENARIO,
  realMsPerSimMinute: REAL_MS_PER_SIM_MINUTE,
  write: (line) => process.stdout.write(line),
  // DATABASE_URL: the replay runs on that PostgreSQL database, in a schema of its own, dropped after.
  ...(process.env['DATABASE_URL'] ? { databaseUrl: process.env['DATABASE_URL'] } : {}),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
