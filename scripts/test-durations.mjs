// Writes test/setup/durations.json (each test file's duration in ms, files of 2 s or more) from
// a vitest JSON report, for the suite's sequencer (test/setup/sequencer.ts), which starts the
// long files first. Usage: npm run test:durations (runs the suite once with the JSON reporter).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';

const [report = 'test-report.json'] = process.argv.slice(2);
const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
const durations = Object.fromEntries(
  testResults
    .map((r) => [relative(process.cwd(), r.name), Math.round(r.endTime - r.startTime)])
    .filter(([, ms]) => ms >= 2_000)
    .sort((a, b) => b[1] - a[1]),
);
writeFileSync(join(process.cwd(), 'test/setup/durations.json'), `${JSON.stringify(durations, null, 2)}\n`);
process.stdout.write(`test/setup/durations.json: ${Object.keys(durations).length} files of 2 s or more\n`);
