/**
 * The Dockerfile, read as Docker reads it (no Docker daemon here): two stages on one base image, a
 * final stage that runs `npm start`'s node command as a user other than root, with its data in a
 * volume, and the files that command and the health check need copied in.
 */
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Stage,
  argsOf,
  envOf,
  execForm,
  healthcheckOf,
  parseDockerfile,
  readRepoFile,
  startCommand,
} from './packaging-files.js';

const stages = parseDockerfile(readRepoFile('Dockerfile'));
const final = stages.at(-1) as Stage;
const build = stages[0] as Stage;

describe('Dockerfile', () => {
  it('builds in a stage of its own on the runtime base image, so native modules match it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(final.image).toBe('node:20-bookworm-slim');
    expect(build.image).toBe(final.image);
    const runs = argsOf(build, 'RUN').join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    // The runtime stage installs and compiles nothing: it copies the build stage's results.
    expect(argsOf(final, 'RUN').join('\n')).not.toMatch(/\bnpm\b/);
    expect(argsOf(final, 'COPY').filter((a) => a.includes(`--from=${build.name ?? ''} `))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/app\/node_modules\b/),
        expect.stringMatching(/\/app\/dist\b/),
        expect.stringMatching(/\/app\/package\.json\b/),
      ]),
    );
  });

  it('runs as a user other than root, created in the final stage', () => {
    const users = argsOf(final, 'USER');
    expect(users).toHaveLength(1);
    const user = (users[0] ?? '').split(':')[0] ?? '';
    expect(['', 'root', '0']).not.toContain(user);
    expect(argsOf(final, 'RUN').join('\n')).toMatch(new RegExp(`useradd\\b[^\\n]*\\s${user}\\b`));
    // The last USER decides what CMD runs as: nothing after it switches back.
    const lastUser = final.instructions.map((i) => i.keyword).lastIndexOf('USER');
    const cmd = final.instructions.map((i) => i.keyword).lastIndexOf('CMD');
    expect(lastUser).toBeLessThan(cmd);
  });

  it('keeps the database in a volume the user owns, and listens where the published port reaches', () => {
    const env = envOf(final);
    const dataDir = posix.dirname(env['DATABASE_PATH'] ?? '');
    expect(dataDir).not.toBe('.');
    expect(argsOf(final, 'VOLUME')).toContain(dataDir);
    expect(argsOf(final, 'RUN').join('\n')).toMatch(new RegExp(`chown [^\\n]*\\s${dataDir}\\b`));
    expect(env['HTTP_HOST']).toBe('0.0.0.0');
    expect(argsOf(final, 'EXPOSE')).toEqual([env['HTTP_PORT'] ?? '8080']);
    expect(argsOf(final, 'WORKDIR')).toEqual(['/app']);
  });

  it('runs the command of npm start after its build, with the same node flags, and stops on SIGTERM', () => {
    const [cmd] = argsOf(final, 'CMD');
    expect(execForm(cmd ?? '')).toEqual(startCommand());
    expect(startCommand()[0]).toBe('node');
    expect(startCommand().at(-1)).toBe('dist/main.js');
    expect(argsOf(final, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(argsOf(final, 'ENTRYPOINT')).toEqual([]);
  });

  it('checks health with node alone, through a script the image holds', () => {
    const { options, command } = healthcheckOf(final);
    expect(command[0]).toBe('node');
    const script = command[1] ?? '';
    expect(argsOf(final, 'COPY')).toContain(`${script} ./${script}`);
    for (const key of ['interval', 'timeout', 'start-period', 'retries']) expect(options).toHaveProperty(key);
    expect(argsOf(final, 'RUN').join('\n')).not.toMatch(/\bcurl\b|\bwget\b/);
  });

  it('brings fonts for every script the charts write (Latin, Bengali, Devanagari)', () => {
    const text = [...argsOf(final, 'RUN'), ...argsOf(final, 'COPY')].join('\n');
    expect(text).toMatch(/fonts-dejavu-core/);
    for (const script of ['Bengali', 'Devanagari'])
      expect(text).toMatch(new RegExp(`NotoSans${script}-Regular\\.ttf`));
    expect(argsOf(build, 'RUN').join('\n')).toMatch(/fonts-noto-core/);
  });
});

describe('.dockerignore', () => {
  it('keeps local state, secrets and build output out of the build context', () => {
    const lines = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual(
      expect.arrayContaining(['node_modules', 'data', 'test-artifacts', '.git', '.env', 'dist']),
    );
  });
});
