/**
 * `npm run replay <scenario.json>`: replays an outage scenario (docs/replay.md) against loopback
 * stand-ins with a simulated clock and prints what each chat receives, then a summary. No network
 * beyond 127.0.0.1 (and the webhook endpoints of WEBHOOKS_FILE or WEBHOOK_URL, when set), no
 * tokens; the database is a temporary file. `-- --pace 650` plays a simulated
 * minute in 650 ms of real time; by default it runs as fast as the checks allow.
 */
import { parseReplayArgs, replayToConsole } from '../src/demo/replay-cli.js';
import { readWebhookConfig } from '../src/platforms/webhook/webhook-config.js';

const args = parseReplayArgs(process.argv.slice(2));
if (typeof args === 'string') {
  process.stderr.write(`${args}\n`);
  process.exit(1);
}
// WEBHOOKS_FILE or WEBHOOK_URL (+ WEBHOOK_SECRET, WEBHOOK_FORMAT) as for the bot: the endpoints
// also get the replay's incidents, signed (docs/webhooks.md).
const webhooks = readWebhookConfig(process.env);
if (webhooks.problems.length > 0) {
  process.stderr.write(
    `Configuration error in environment:\n${webhooks.problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
replayToConsole({
  ...args,
  write: (line) => process.stdout.write(line),
  ...(webhooks.config === null ? {} : { webhooks: webhooks.config.endpoints }),
  // DATABASE_URL: the replay runs on that PostgreSQL database, in a schema of its own, dropped after.
  ...(process.env['DATABASE_URL'] ? { databaseUrl: process.env['DATABASE_URL'] } : {}),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`replay failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
