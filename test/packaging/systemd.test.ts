/**
 * deploy/incident-bot.service: `systemd-analyze verify` finds nothing to say about it, and read
 * key by key it runs `npm start`'s node command as its own user,
 * with its data directory the one writable path and the variables it sets ones the bot knows.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { tempDir } from '../helpers/temp-dir.js';
import { knownVariables, parseUnit, readRepoFile, startCommand, unitEnv } from './packaging-files.js';

const UNIT_PATH = 'deploy/incident-bot.service';
const unit = parseUnit(readRepoFile(UNIT_PATH));
const service = unit['Service'] ?? {};
const one = (key: string): string | undefined => {
  const values = service[key] ?? [];
  if (values.length > 1) throw new Error(`${key} given ${values.length} times`);
  return values[0];
};

function onPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** `systemd-analyze verify <file>`: its exit code and everything it printed. */
async function verify(analyze: string, file: string): Promise<{ code: number; output: string }> {
  return promisify(execFile)(analyze, ['verify', file], {
    env: { PATH: process.env['PATH'], SYSTEMD_LOG_COLOR: '0' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      output: (err.stdout ?? '') + (err.stderr ?? ''),
    }),
  );
}

describe('systemd unit', () => {
  it('runs the command of npm start after its build, in the checkout, as a dedicated user', () => {
    const [program = '', ...args] = (one('ExecStart') ?? '').split(/\s+/);
    const [node, ...startArgs] = startCommand();
    expect(posix.basename(program)).toBe(node);
    expect(posix.isAbsolute(program)).toBe(true);
    expect(args).toEqual(startArgs);
    expect(posix.isAbsolute(one('WorkingDirectory') ?? '')).toBe(true);
    expect(['', 'root', '0', undefined]).not.toContain(one('User'));
    expect(one('DynamicUser')).toBeUndefined();
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    expect(one('EnvironmentFile')).toMatch(/^-?\//);
    expect(unit['Install']?.['WantedBy']).toEqual(['multi-user.target']);
  });

  it('is hardened, with the directory of DATABASE_PATH its only writable path', () => {
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      CapabilityBoundingSet: '',
    }))
      expect([key, one(key)]).toEqual([key, value]);
    // V8 writes the code it compiles: MemoryDenyWriteExecute would stop node.
    expect(one('MemoryDenyWriteExecute')).toBeUndefined();
    const dataDir = posix.dirname(unitEnv(unit)['DATABASE_PATH'] ?? '');
    expect(service['ReadWritePaths']).toEqual([dataDir]);
    expect(one('StateDirectory')).toBe(posix.basename(dataDir));
    expect(dataDir).toBe(`/var/lib/${one('StateDirectory') ?? ''}`);
  });

  it('sets only variables the bot knows, and the bot accepts them', () => {
    const env = unitEnv(unit);
    expect(Object.keys(env).filter((name) => !knownVariables().has(name))).toEqual([]);
    expect(loadAppConfig(env).http).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('passes systemd-analyze verify without a word', async () => {
    // npm test's prerequisites install systemd (for this command; no running systemd is needed).
    const analyze = onPath('systemd-analyze');
    if (analyze === undefined) throw new Error('systemd-analyze is not installed (apt-get install systemd)');
    const dir = tempDir('unit-');
    // verify checks that ExecStart's program exists: point it at this machine's node.
    const [program = ''] = (one('ExecStart') ?? '').split(/\s+/);
    const text = readRepoFile(UNIT_PATH).replace(`ExecStart=${program} `, `ExecStart=${process.execPath} `);
    writeFileSync(join(dir, 'incident-bot.service'), text);
    expect(await verify(analyze, join(dir, 'incident-bot.service'))).toEqual({ code: 0, output: '' });
    // A unit with a misspelt key draws a complaint, so the silence above means something.
    writeFileSync(join(dir, 'broken.service'), text.replace('Restart=on-failure', 'Restrat=on-failure'));
    const broken = (await verify(analyze, join(dir, 'broken.service'))).output;
    expect(broken).toMatch(/Unknown key 'Restrat'/);
  });
});
