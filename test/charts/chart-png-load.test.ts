import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const TSX = 'node_modules/.bin/tsx';

/**
 * Whether resvg's CommonJS module is loaded once `entry` (and everything it imports) is, in a fresh
 * process: vitest's own module graph cannot tell.
 */
async function loadsResvg(entry: string): Promise<boolean> {
  const script = `import(${JSON.stringify(entry)}).then(() =>
    process.stdout.write(String(Object.keys(require.cache).some((path) => path.includes('@resvg')))))`;
  const { stdout } = await promisify(execFile)(TSX, ['-e', script]);
  return JSON.parse(stdout) as boolean;
}

describe('chart PNG renderer loading', () => {
  it('leaves the resvg native module unloaded until a chart is rendered', async () => {
    // The whole app (chart-png.ts included) as main.ts loads it.
    expect(await loadsResvg('./src/app.ts')).toBe(false);
    // The check itself sees a loaded resvg.
    expect(await loadsResvg('@resvg/resvg-js')).toBe(true);
  });
});
