/**
 * `npm run replay <scenario.json>`: replays an outage scenario (docs/replay.md) against loopback
 * stand-ins with a simulated clock and prints what each chat receives, then a summary. No network
 * beyond 127.0.0.1, no tokens; the database is a temporary file. `-- --pace 650` plays a simulated
 * minute in 650 ms of real time; by default it runs as fast as the checks allow.
 */
import { parseReplayArgs, replayToConsole } from '../src/demo/replay-cli.js';

const args = parseReplayArgs(process.argv.slice(2));
if (typeof args === 'string') {
  process.stderr.write(`${args}\n`);
  process.exit(1);
}
replayToConsole({ ...args, write: (line) => process.stdout.write(line) }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`replay failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
