import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { ConfigError } from '../../src/config/problems.js';
import { readWebhookConfig } from '../../src/platforms/webhook/webhook-config.js';
import { WebhookPlatform, reconcileEndpoints } from '../../src/platforms/webhook/webhook-platform.js';
import { PlatformStartError } from '../../src/platforms/platform.js';
import { parseServices } from '../../src/config/services-file.js';
import { createLogger } from '../../src/logging.js';
import { FakeClock } from '../helpers/catalog.js';
import type { Db } from '../../src/db/database.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { T0, incidentEvent, outboxRows, tempDatabase } from '../dispatch/delivery-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('webhook configuration', () => {
  it('is off without WEBHOOKS_FILE or WEBHOOK_URL', () => {
    expect(loadAppConfig({}).webhook).toBeNull();
  });

  it('reads the file: defaults, secretFile next to the file, a list of services', () => {
    const dir = tempDir('webhooks-');
    writeFileSync(join(dir, 'ops.secret'), 'file-secret-123456\n');
    const file = join(dir, 'webhooks.yaml');
    writeFileSync(
      file,
      `webhooks:
  - name: ops
    url: https://ops.example/hook
    secretFile: ops.secret
    services: [whatsapp, github]
    minSeverity: major
    locale: bn
    timeZone: Asia/Dhaka
    timeout: 2500ms
  - { name: team-chat, url: "https://hooks.slack.com/services/T0/B0/abc", format: slack }
`,
    );
    const config = loadAppConfig({ WEBHOOKS_FILE: file });
    expect(config.webhook?.endpoints).toEqual([
      {
        name: 'ops',
        url: 'https://ops.example/hook',
        secret: 'file-secret-123456',
        format: 'json',
        services: ['whatsapp', 'github'],
        minSeverity: 'major',
        locale: 'bn',
        timeZone: 'Asia/Dhaka',
        timeoutMs: 2_500,
      },
      {
        name: 'team-chat',
        url: 'https://hooks.slack.com/services/T0/B0/abc',
        secret: null,
        format: 'slack',
        services: ['*'],
        minSeverity: 'minor',
        locale: 'en',
        timeZone: 'UTC',
        timeoutMs: 10_000,
      },
    ]);
    // The URL and the secret are redacted from logs (the secret of the shortcut; see the next test).
    expect(readWebhookConfig({ WEBHOOKS_FILE: file }).secrets).toEqual(
      expect.arrayContaining(['file-secret-123456', '/services/T0/B0/abc']),
    );
  });

  it('accepts the commented example file shipped in config/', () => {
    const read = (path: string) => (path.endsWith('.secret') ? 'example-secret' : readFileSync(path, 'utf8'));
    const { config, problems } = readWebhookConfig({ WEBHOOKS_FILE: 'config/webhooks.example.yaml' }, read);
    expect(problems).toEqual([]);
    expect(config?.endpoints.map((e) => [e.name, e.format, e.secret])).toEqual([
      ['oncall', 'json', 'example-secret'],
    ]);
  });

  it('the WEBHOOK_URL shortcut, with its secret from a file, is redacted from logs', () => {
    const dir = tempDir('webhooks-');
    writeFileSync(join(dir, 'secret'), 'env-secret-abcdef\n');
    const config = loadAppConfig({
      WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      WEBHOOK_SECRET_FILE: join(dir, 'secret'),
    });
    expect(config.webhook?.endpoints).toMatchObject([
      { name: 'default', url: 'http://127.0.0.1:9/hook', secret: 'env-secret-abcdef', format: 'json' },
    ]);
    expect(config.secrets).toEqual(expect.arrayContaining(['http://127.0.0.1:9/hook', 'env-secret-abcdef']));
  });

  it("secrets and URLs from WEBHOOKS_FILE are in the config's secrets, so log lines are redacted", () => {
    const dir = tempDir('webhooks-');
    writeFileSync(join(dir, 'ops.secret'), 'file-secret-from-secretfile\n');
    const file = join(dir, 'webhooks.yaml');
    writeFileSync(
      file,
      `webhooks:
  - { name: ops, url: "https://ops.example/incident?key=query-token-77", secretFile: ops.secret }
  - { name: inline, url: "https://inline.example/hook", secret: inline-secret-in-yaml }
  - { name: team-chat, url: "https://hooks.slack.com/services/T0/B0/slackpathtoken", format: slack }
`,
    );
    const config = loadAppConfig({ WEBHOOKS_FILE: file });
    const lines: string[] = [];
    const log = createLogger('trace', config.secrets, {
      write: (chunk: string) => {
        lines.push(String(chunk));
        return true;
      },
    } as unknown as NodeJS.WritableStream);
    const leaks = [
      'file-secret-from-secretfile',
      'inline-secret-in-yaml',
      'https://ops.example/incident?key=query-token-77',
      'key=query-token-77',
      '/services/T0/B0/slackpathtoken',
    ];
    // As an error from a receiver or a library could carry them: in the message and in fields.
    log.error({ err: new Error(`POST ${leaks[2]} failed`), leaks }, `signing with ${leaks.join(' ')}`);
    const output = lines.join('');
    expect(output).toContain('[redacted]');
    for (const leak of leaks) expect(output).not.toContain(leak);
  });

  it('lists every problem of the file at once, never a secret', () => {
    const dir = tempDir('webhooks-');
    const file = join(dir, 'webhooks.yaml');
    writeFileSync(
      file,
      `webhooks:
  - { name: ops, url: "ftp://ops.example/", secret: s3cr3t-value-1 }
  - { name: ops, url: "https://a.example/", secret: s3cr3t-value-2, format: xml, minSeverity: critical }
  - { name: Bad Name, url: "https://user:pw@b.example/", secret: s3cr3t-value-3, colour: red }
  - { name: nosecret, url: "https://c.example/" }
  - { name: both, url: "https://d.example/", secret: s3cr3t-value-4, secretFile: missing.secret }
  - { name: zone, url: "https://e.example/", secret: s3cr3t-value-5, timeZone: Mars/Olympus, services: ["*", github], timeout: 1m }
`,
    );
    const problems = problemsOf({ WEBHOOKS_FILE: file, LOG_LEVEL: 'loud' });
    const at = (i: number, key: string) => `${file}: webhooks[${i}].${key}: `;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^LOG_LEVEL: /),
        `${at(0, 'url')}must be an http(s) URL`,
        `${at(1, 'name')}"ops" is used by another endpoint`,
        expect.stringContaining(at(1, 'format')),
        expect.stringContaining(at(1, 'minSeverity')),
        expect.stringContaining(at(2, 'name')),
        `${at(2, 'url')}must not carry credentials (use the secret for signing)`,
        `${file}: webhooks[2]: unknown key(s) "colour"`,
        expect.stringContaining(`${at(3, 'secret')}a json endpoint needs a secret`),
        `${at(4, 'secretFile')}set either secret or secretFile`,
        expect.stringContaining(at(5, 'timeZone')),
        `${at(5, 'services')}"*" already means every service`,
        `${at(5, 'timeout')}must be between 100ms and 15s`,
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/s3cr3t/);
  });

  it('reports a missing file, broken YAML, and the shortcut mixed with the file', () => {
    const dir = tempDir('webhooks-');
    expect(problemsOf({ WEBHOOKS_FILE: join(dir, 'none.yaml') })).toEqual([
      `WEBHOOKS_FILE: cannot read ${join(dir, 'none.yaml')} (ENOENT)`,
    ]);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'webhooks: [\n');
    expect(problemsOf({ WEBHOOKS_FILE: broken })[0]).toMatch(new RegExp(`^${broken}:\\d+:\\d+: `));
    expect(
      problemsOf({ WEBHOOKS_FILE: broken, WEBHOOK_URL: 'https://x.example/', WEBHOOK_FORMAT: 'rss' }),
    ).toEqual(
      expect.arrayContaining([
        'WEBHOOK_URL: set either WEBHOOKS_FILE (any number of endpoints) or WEBHOOK_URL (one)',
      ]),
    );
    expect(problemsOf({ WEBHOOK_URL: 'mailto:a@b.c', WEBHOOK_FORMAT: 'rss' })).toEqual([
      'WEBHOOK_URL: must be an http(s) URL',
      expect.stringMatching(/^WEBHOOK_FORMAT: /),
    ]);
    expect(problemsOf({ WEBHOOK_SECRET: 'x-secret-value' })).toEqual([
      'WEBHOOK_SECRET: only used with WEBHOOK_URL, which is not set',
    ]);
  });
});

describe('webhook endpoints as chats', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let subs: SqliteSubscriptionStore;
  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    subs = new SqliteSubscriptionStore(db);
  });
  afterEach(() => tmp.dispose());

  const endpoint = (name: string, services: string[], minSeverity: 'minor' | 'major' = 'minor') => ({
    name,
    url: `https://${name}.example/`,
    secret: 'k',
    format: 'json' as const,
    services,
    minSeverity,
    locale: 'bn' as const,
    timeZone: 'Asia/Dhaka',
    timeoutMs: 10_000,
  });

  it('subscribes what the file lists, removes the rest, and deactivates endpoints no longer listed', async () => {
    const outbox = new SqliteOutboxStore(db);
    await reconcileEndpoints(subs, [endpoint('ops', ['whatsapp', 'github']), endpoint('old', ['*'])], T0);
    outbox.enqueueIncidentEvent(incidentEvent());
    expect(outboxRows(db).map((r) => [r.chat_id, r.status])).toEqual([
      ['ops', 'pending'],
      ['old', 'pending'],
    ]);

    const { deactivated } = await reconcileEndpoints(subs, [endpoint('ops', ['*'], 'major')], T0 + 1);
    expect(deactivated).toEqual(['old']);
    const ops = { platform: 'webhook', chatId: 'ops' };
    expect(subs.listSubscriptions(ops).map((s) => [s.serviceId, s.minSeverity])).toEqual([['*', 'major']]);
    expect(subs.getChat(ops)).toMatchObject({
      active: true,
      settings: { locale: 'bn', timeZone: 'Asia/Dhaka' },
    });
    expect(subs.getChat({ platform: 'webhook', chatId: 'old' })).toMatchObject({
      active: false,
      deactivatedReason: 'webhook endpoint removed from the configuration',
    });
    // The removed endpoint's queued row dies with it; the kept one still waits.
    expect(outboxRows(db).map((r) => [r.chat_id, r.status])).toEqual([
      ['ops', 'pending'],
      ['old', 'dead'],
    ]);
    // Listed again: active again.
    await reconcileEndpoints(subs, [endpoint('ops', ['*']), endpoint('old', ['github'])], T0 + 2);
    expect(subs.getChat({ platform: 'webhook', chatId: 'old' })?.active).toBe(true);
    // Other platforms' chats are never touched.
    subs.subscribe({ platform: 'telegram', chatId: '-1' }, '*', 'minor', T0);
    await reconcileEndpoints(subs, [], T0 + 3);
    expect(subs.getChat({ platform: 'telegram', chatId: '-1' })?.active).toBe(true);
    expect(subs.listChats('webhook').map((c) => c.active)).toEqual([false, false]);
  });

  it('starts with the endpoints subscribed, logging names and origins only; an unknown service stops the start', async () => {
    const services = parseServices(`services:
  - { id: whatsapp, name: WhatsApp, monitors: [] }
`);
    const lines: string[] = [];
    const log = createLogger('trace', [], {
      write: (chunk: string) => {
        lines.push(String(chunk));
        return true;
      },
    } as unknown as NodeJS.WritableStream);
    const ctx = { services, subscriptions: subs, clock: new FakeClock(T0), log };
    const hook = {
      ...endpoint('ops', ['whatsapp']),
      url: 'https://hooks.example:8443/services/T0/B0/tok?key=q1',
    };
    const platform = new WebhookPlatform({ endpoints: [hook] }, ctx);
    await platform.start();
    await platform.stop();
    expect(subs.listSubscriptions({ platform: 'webhook', chatId: 'ops' }).map((x) => x.serviceId)).toEqual([
      'whatsapp',
    ]);
    const logged = lines.join('');
    expect(logged).toContain('https://hooks.example:8443');
    expect(logged).not.toMatch(/services\/T0|tok|key=q1/);

    const unknown = new WebhookPlatform({ endpoints: [endpoint('ops', ['whatsapp', 'gitlab'])] }, ctx);
    await expect(unknown.start()).rejects.toThrow(PlatformStartError);
    await expect(unknown.start()).rejects.toThrow('ops: unknown service "gitlab"');
    await unknown.stop();
  });
});
