import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { describeDatabase } from '../../src/config/database-url.js';
import { ConfigError } from '../../src/config/problems.js';
import { redactSecrets } from '../../src/logging.js';
import { tempDir } from '../helpers/temp-dir.js';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('environment', () => {
  it('runs with no tokens: chat platforms disabled, documented defaults', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      discord: null,
      telegram: null,
      database: { kind: 'sqlite', path: './data/incident-bot.db' },
      databasePath: './data/incident-bot.db',
      servicesFile: './config/services.yaml',
      http: { host: '127.0.0.1', port: 8080 },
      defaultLocale: 'en',
      defaultTimeZone: 'UTC',
      logLevel: 'info',
      secrets: [],
    });
  });

  it('enables each platform by its token', () => {
    const config = loadAppConfig({
      TELEGRAM_BOT_TOKEN: '123:abc-token',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9000',
      DISCORD_TOKEN: 'discord-token-value',
      DISCORD_APPLICATION_ID: '123456789012345678',
    });
    expect(config.telegram).toEqual({ token: '123:abc-token', apiRoot: 'http://127.0.0.1:9000' });
    expect(config.discord).toEqual({ token: 'discord-token-value', applicationId: '123456789012345678' });
    expect(config.secrets).toEqual(['discord-token-value', '123:abc-token']);
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({
      HTTP_PORT: '99999',
      DEFAULT_TIMEZONE: 'Mars/Olympus',
      DEFAULT_LOCALE: 'fr',
      LOG_LEVEL: 'loud',
      DISCORD_TOKEN: 'x',
      TELEGRAM_API_ROOT: 'ftp://example',
    }).join('\n');
    expect(problems).toMatch(/HTTP_PORT: /);
    expect(problems).toMatch(/DEFAULT_TIMEZONE: unknown IANA time zone/);
    expect(problems).toMatch(/DEFAULT_LOCALE: /);
    expect(problems).toMatch(/LOG_LEVEL: /);
    expect(problems).toMatch(
      /DISCORD_APPLICATION_ID: DISCORD_TOKEN and DISCORD_APPLICATION_ID enable Discord together/,
    );
    expect(problems).toMatch(/TELEGRAM_API_ROOT: must be an http\(s\) URL/);
  });

  it('reads secrets from *_FILE and refuses both forms at once', () => {
    const dir = tempDir('env-');
    const file = join(dir, 'token');
    writeFileSync(file, '999:file-token\n');
    expect(loadAppConfig({ TELEGRAM_BOT_TOKEN_FILE: file }).telegram?.token).toBe('999:file-token');
    expect(problemsOf({ TELEGRAM_BOT_TOKEN_FILE: file, TELEGRAM_BOT_TOKEN: '1:x' }).join('\n')).toMatch(
      /set either TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE/,
    );
    expect(problemsOf({ DISCORD_TOKEN_FILE: join(dir, 'missing') }).join('\n')).toMatch(
      /cannot read .* \(ENOENT\)/,
    );
  });
});

describe('Telegram webhook mode', () => {
  const token = '123:abc-token';

  it('derives the secret from the token (the same on every instance) and redacts it', () => {
    const url = 'https://bot.example.org/telegram/hook';
    const config = loadAppConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: url });
    const secret = config.telegram?.webhook?.secret ?? '';
    expect(config.telegram?.webhook).toEqual({ url, path: '/telegram/hook', secret });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toContain(token);
    expect(
      loadAppConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: url }).telegram?.webhook?.secret,
    ).toBe(secret);
    expect(
      loadAppConfig({ TELEGRAM_BOT_TOKEN: '123:other-token', TELEGRAM_WEBHOOK_URL: url }).telegram?.webhook
        ?.secret,
    ).not.toBe(secret);
    expect(config.secrets).toContain(secret);
    expect(redactSecrets(`secret=${secret}`, config.secrets)).not.toContain(secret);
  });

  it('takes TELEGRAM_WEBHOOK_SECRET or its _FILE instead, as a secret', () => {
    const dir = tempDir('env-');
    const file = join(dir, 'secret');
    writeFileSync(file, 'From_File-1\n');
    const env = { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'https://bot.example.org:8443/tg' };
    const config = loadAppConfig({ ...env, TELEGRAM_WEBHOOK_SECRET_FILE: file });
    expect(config.telegram?.webhook).toEqual({
      url: 'https://bot.example.org:8443/tg',
      path: '/tg',
      secret: 'From_File-1',
    });
    expect(config.secrets).toContain('From_File-1');
    expect(loadAppConfig({ ...env, TELEGRAM_WEBHOOK_SECRET: 'given' }).telegram?.webhook?.secret).toBe(
      'given',
    );
  });

  it('polls when TELEGRAM_WEBHOOK_URL is unset', () => {
    expect(loadAppConfig({ TELEGRAM_BOT_TOKEN: token }).telegram).toEqual({ token });
  });

  it('lists every problem of the webhook variables with the others', () => {
    const problems = problemsOf({
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_URL: 'http://bot.example.org:8080/?a=1',
      TELEGRAM_WEBHOOK_SECRET: 'has spaces',
      HTTP_PORT: 'x',
    }).join('\n');
    expect(problems).toMatch(/HTTP_PORT: /);
    expect(problems).toMatch(/TELEGRAM_WEBHOOK_URL: must be https/);
    expect(problems).toMatch(
      /TELEGRAM_WEBHOOK_URL: Telegram sends webhooks only to ports 443, 80, 88 and 8443/,
    );
    expect(problems).toMatch(/TELEGRAM_WEBHOOK_URL: needs a path/);
    expect(problems).toMatch(/TELEGRAM_WEBHOOK_URL: must have no query string or fragment/);
    expect(problems).toMatch(/TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and -/);
    expect(problemsOf({ TELEGRAM_WEBHOOK_URL: 'https://x.org/push/abc' }).join('\n')).toMatch(
      /set TELEGRAM_BOT_TOKEN too[\s\S]*must not be under \/api, \/push/,
    );
    expect(problemsOf({ TELEGRAM_WEBHOOK_URL: 'not a url', TELEGRAM_BOT_TOKEN: token })).toEqual([
      'TELEGRAM_WEBHOOK_URL: must be an https URL with a path, e.g. https://bot.example.org/telegram/hook',
    ]);
    expect(problemsOf({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: 'ok' })).toEqual([
      'TELEGRAM_WEBHOOK_SECRET: is used only with TELEGRAM_WEBHOOK_URL',
    ]);
  });
});

describe('the database variables', () => {
  const PASSWORD = 'Sw0rd%fish/42';
  const url = `postgres://bot:${encodeURIComponent(PASSWORD)}@db.internal:6432/incidents`;

  it('selects PostgreSQL with DATABASE_URL (pool size 10 by default), SQLite without', () => {
    expect(loadAppConfig({ DATABASE_PATH: '/var/lib/bot/bot.db' }).database).toEqual({
      kind: 'sqlite',
      path: '/var/lib/bot/bot.db',
    });
    expect(loadAppConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url, poolSize: 10 });
    const pooled = loadAppConfig({ DATABASE_URL: `postgresql://bot@[::1]/x`, DATABASE_POOL_SIZE: '25' });
    expect(pooled.database).toEqual({ kind: 'postgres', url: 'postgresql://bot@[::1]/x', poolSize: 25 });
    expect(loadAppConfig({ DATABASE_URL: '  ' }).database.kind).toBe('sqlite');
  });

  it('names the backend for the start-up line, without the password', () => {
    expect(describeDatabase(loadAppConfig({ DATABASE_PATH: './data/x.db' }).database)).toBe(
      'database: SQLite at ./data/x.db',
    );
    const line = describeDatabase(loadAppConfig({ DATABASE_URL: url }).database);
    expect(line).toBe('database: PostgreSQL at db.internal:6432/incidents as bot (TLS off)');
    const tls = loadAppConfig({ DATABASE_URL: `postgres://bot:pw@db/incidents?sslmode=require` }).database;
    // node-postgres 8 verifies the certificate and host name for sslmode=require.
    expect(describeDatabase(tls)).toBe('database: PostgreSQL at db:5432/incidents as bot (TLS verify-full)');
    const compat = `postgres://bot@db/incidents?sslmode=require&uselibpqcompat=true`;
    expect(describeDatabase(loadAppConfig({ DATABASE_URL: compat }).database)).toMatch(/\(TLS require\)$/);
    const loose = `postgres://bot@db/incidents?sslmode=no-verify`;
    expect(describeDatabase(loadAppConfig({ DATABASE_URL: loose }).database)).toMatch(/\(TLS no-verify\)$/);
  });

  it('refuses a URL that is not postgres:// or postgresql://, a pool size outside 1..100, all listed together', () => {
    for (const bad of ['mysql://bot@db/x', 'db.internal:5432', 'http://bot:pw@db/x']) {
      expect(problemsOf({ DATABASE_URL: bad })).toEqual([
        'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      ]);
    }
    const problems = problemsOf({
      DATABASE_URL: 'postgres://bot:pw@db/x?sslmode=sometimes',
      DATABASE_POOL_SIZE: '0',
      HTTP_PORT: '-1',
    }).join('\n');
    expect(problems).toMatch(/DATABASE_URL: unknown sslmode "sometimes"/);
    expect(problems).toMatch(/DATABASE_POOL_SIZE: /);
    expect(problems).toMatch(/HTTP_PORT: /);
    expect(problemsOf({ DATABASE_POOL_SIZE: '101' }).join('\n')).toMatch(/DATABASE_POOL_SIZE: /);
    expect(problemsOf({ DATABASE_POOL_SIZE: '2.5' }).join('\n')).toMatch(/DATABASE_POOL_SIZE: /);
    expect(loadAppConfig({ DATABASE_POOL_SIZE: '100' }).database.kind).toBe('sqlite');
  });

  it('checks the TLS files the URL names can be read', () => {
    const dir = tempDir('env-db-');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'not checked here: node-postgres reads it');
    const ok = `postgres://bot@db/x?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;
    expect(describeDatabase(loadAppConfig({ DATABASE_URL: ok }).database)).toMatch(/\(TLS verify-full\)$/);
    const missing = join(dir, 'missing.pem');
    expect(problemsOf({ DATABASE_URL: `postgres://bot@db/x?sslrootcert=${missing}` })).toEqual([
      `DATABASE_URL: sslrootcert: cannot read ${missing} (ENOENT)`,
    ]);
  });

  it('reads DATABASE_URL_FILE like the tokens, and refuses both forms at once', () => {
    const dir = tempDir('env-db-');
    const file = join(dir, 'database-url');
    writeFileSync(file, `${url}\n`);
    expect(loadAppConfig({ DATABASE_URL_FILE: file }).database).toEqual({
      kind: 'postgres',
      url,
      poolSize: 10,
    });
    expect(problemsOf({ DATABASE_URL_FILE: file, DATABASE_URL: url }).join('\n')).toMatch(
      /set either DATABASE_URL or DATABASE_URL_FILE/,
    );
    expect(problemsOf({ DATABASE_URL_FILE: join(dir, 'missing') }).join('\n')).toMatch(
      /DATABASE_URL_FILE: cannot read .* \(ENOENT\)/,
    );
  });

  it('keeps the password secret: redacted from logs, in no problem', () => {
    const config = loadAppConfig({ DATABASE_URL: url, TELEGRAM_BOT_TOKEN: '123:abc-token' });
    expect(config.secrets).toContain(PASSWORD);
    expect(config.secrets).toContain(encodeURIComponent(PASSWORD));
    expect(config.secrets).toContain('123:abc-token');
    // Host and database are not secrets: the start-up line shows them.
    expect(config.secrets.join(' ')).not.toMatch(/db\.internal|incidents/);
    const logged = redactSecrets(`connecting to ${url}; password ${PASSWORD}`, config.secrets);
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(encodeURIComponent(PASSWORD));
    expect(logged).toContain('db.internal:6432/incidents');
    // A password too short to redact alone goes with its user name.
    const short = loadAppConfig({ DATABASE_URL: 'postgres://bot:pw1@db/x' });
    expect(redactSecrets('postgres://bot:pw1@db/x', short.secrets)).toBe('postgres://[redacted]db/x');
    const inQuery = loadAppConfig({
      DATABASE_URL: `postgres://bot@db/x?password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(inQuery.secrets).toContain(PASSWORD);
    // The password shows in no problem, whatever else is wrong with the URL.
    const dir = tempDir('env-db-');
    const badUrls = [
      `mysql://bot:${PASSWORD}@db/x`,
      `postgres://bot:${PASSWORD}@db/x?sslmode=bad`,
      `postgres://bot:${PASSWORD}@:0/x`,
      `postgres://bot:${PASSWORD}@db/x?sslkey=${join(dir, 'none.key')}`,
      `postgres://bot:${PASSWORD}@db:99999/x`,
    ];
    for (const bad of badUrls) {
      const file = join(dir, 'url');
      writeFileSync(file, bad);
      for (const env of [{ DATABASE_URL: bad }, { DATABASE_URL_FILE: file }]) {
        const problems = problemsOf({ ...env, DATABASE_POOL_SIZE: 'many' }).join('\n');
        expect(problems).toMatch(/DATABASE_URL: /);
        expect(problems).not.toContain(PASSWORD);
        expect(problems).not.toContain(encodeURIComponent(PASSWORD));
        expect(problems).not.toContain('Sw0rd');
      }
    }
  });
});
