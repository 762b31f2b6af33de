/**
 * Builds the bot once per test run (`tsc -b tsconfig.build.json`, then the SQL migrations copied
 * beside their runners, as `npm run build` does), so the end-to-end tests start the bot as
 * `npm start` does, `node dist/main.js`, from the source under test. Incremental: when dist/ is
 * already up to date this takes a couple of seconds. A `tsx src/main.ts` start costs about three
 * seconds more than the built one, and the suite starts the bot a few hundred times.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['scripts/copy-migrations.mjs'], { stdio: 'inherit' });
}
