/**
 * compose.yaml: it parses, the bot waits for a healthy PostgreSQL and talks to it, and what it
 * sets (over the image's ENV) is a configuration the bot accepts, variable for variable.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadAppConfig } from '../../src/app-config.js';
import {
  type ComposeFile,
  type Stage,
  composeEnv,
  composeFile,
  envOf,
  interpolate,
  knownVariables,
  parseDockerfile,
  readRepoFile,
} from './packaging-files.js';

/** What `.env` gives compose for its placeholders. */
const DOT_ENV = { POSTGRES_PASSWORD: 'c0ffee0123456789abcdef' };
const compose = composeFile(DOT_ENV);
const image = parseDockerfile(readRepoFile('Dockerfile')).at(-1) as Stage;

describe('compose.yaml', () => {
  it('runs the bot from this repository beside postgres:15, with a volume for each', () => {
    const { bot, postgres } = compose.services;
    expect(postgres?.image).toBe('postgres:15');
    expect(bot?.build).toBe('.');
    expect(postgres?.volumes).toEqual([expect.stringMatching(/^[\w-]+:\/var\/lib\/postgresql\/data$/)]);
    const dataDir = (envOf(image)['DATABASE_PATH'] ?? '').replace(/\/[^/]+$/, '');
    expect(bot?.volumes).toEqual([expect.stringMatching(new RegExp(`^[\\w-]+:${dataDir}$`))]);
    for (const volume of [...(postgres?.volumes ?? []), ...(bot?.volumes ?? [])])
      expect(Object.keys(compose.volumes ?? {})).toContain(volume.split(':')[0]);
  });

  it('starts the bot once PostgreSQL answers pg_isready', () => {
    const { bot, postgres } = compose.services;
    expect(bot?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres?.healthcheck?.test).toEqual(expect.arrayContaining(['CMD', 'pg_isready']));
  });

  it('points the bot at that PostgreSQL, as its user, database and password', () => {
    const db = composeEnv(compose.services.postgres ?? {});
    const url = new URL(composeEnv(compose.services.bot ?? {})['DATABASE_URL'] ?? '');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(db['POSTGRES_USER']);
    expect(url.password).toBe(DOT_ENV.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${db['POSTGRES_DB']}`);
  });

  it('refuses to start without a database password, as compose does for ${NAME:?…}', () => {
    expect(() => composeFile({})).toThrow(/POSTGRES_PASSWORD/);
  });

  it("sets only variables the bot knows, and the bot's configuration accepts them over the image's", () => {
    const known = knownVariables();
    const env = { ...envOf(image), ...composeEnv(compose.services.bot ?? {}) };
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    const config = loadAppConfig(env);
    expect(config.database).toMatchObject({ kind: 'postgres' });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.cluster?.instanceId).toBe('bot-1');
    // Its password is a secret: redacted from every log line.
    expect(config.secrets.join('\n')).toContain(DOT_ENV.POSTGRES_PASSWORD);
  });

  it("the image's own variables are ones the bot knows, and alone make a valid SQLite set-up", () => {
    const env = envOf(image);
    expect(Object.keys(env).filter((name) => !knownVariables().has(name))).toEqual([]);
    expect(loadAppConfig(env).database).toEqual({ kind: 'sqlite', path: env['DATABASE_PATH'] });
  });

  it('shows a second instance, commented, that works once uncommented: its own INSTANCE_ID, a VANTAGE', () => {
    const lines = interpolate(readRepoFile('compose.yaml'), DOT_ENV).split('\n');
    const first = lines.findIndex((l) => /^ {2}# bot-2:$/.test(l));
    expect(first).toBeGreaterThan(0);
    const block = [];
    for (const line of lines.slice(first)) {
      if (!line.startsWith('  # ')) break;
      block.push(line.replace(/^ {2}# /, '  '));
    }
    const bot2 = (parseYaml(`services:\n${block.join('\n')}\n`) as ComposeFile).services['bot-2'] ?? {};
    expect(bot2.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    const env = { ...envOf(image), ...composeEnv(bot2) };
    expect(Object.keys(env).filter((name) => !knownVariables().has(name))).toEqual([]);
    const config = loadAppConfig(env);
    expect(config.database).toEqual(
      loadAppConfig({ ...envOf(image), ...composeEnv(compose.services.bot ?? {}) }).database,
    );
    expect(config.cluster?.instanceId).toBe('bot-2');
    expect(env['VANTAGE']).toMatch(/\S/);
    // Its data volume is declared (commented too) beside the others.
    expect(readRepoFile('compose.yaml')).toMatch(
      new RegExp(`^ {2}# ${(bot2.volumes?.[0] ?? '?').split(':')[0]}:$`, 'm'),
    );
  });

  it('knows the variables the bot reads, and nothing else', () => {
    const known = knownVariables();
    for (const name of [
      'DATABASE_PATH',
      'HTTP_HOST',
      'DATABASE_URL_FILE',
      'TELEGRAM_BOT_TOKEN_FILE',
      'INSTANCE_ID',
      'CHAT_MONITORS_PUBLIC',
    ])
      expect(known).toContain(name);
    for (const name of ['POSTGRES_PASSWORD', 'NODE_ENV', 'HTTP_HOST_FILE']) expect(known).not.toContain(name);
  });
});
