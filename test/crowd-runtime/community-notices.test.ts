import { afterEach, describe, expect, it } from 'vitest';
import type { Awaitable } from '../../src/core/awaitable.js';
import type { ServiceDef } from '../../src/core/catalog.js';
import { COMMUNITY_NOTICE_EVERY_MS, WINDOW_MS } from '../../src/core/crowd/index.js';
import type { CrowdReport, ReportOutcome } from '../../src/core/crowd/report-port.js';
import { CommunityReportSink } from '../../src/crowd-runtime/community-notices.js';
import { CrowdRuntime } from '../../src/crowd-runtime/crowd-runtime.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PostgresReportStore } from '../../src/db/postgres/postgres-report-store.js';
import { SqliteReportStore, chatKeyOf } from '../../src/db/sqlite-report-store.js';
import { poolOn, schemaDatabase } from '../helpers/postgres-schema.js';
import { tempDbPath } from '../helpers/temp-dir.js';

/** A Friday evening, window-aligned. */
const T0 = Date.parse('2021-03-19T17:00:00Z');
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const service = (id: string, crowd = true): ServiceDef => ({
  id,
  name: id,
  group: null,
  quorum: null,
  crowd,
  monitorIds: [],
});

/** The real report store and crowd runtime; the engine's open incident is switched by hand. */
function setUp(path = tempDbPath('community-')) {
  const db = openDatabase(path);
  dbs.push(db);
  const store = new SqliteReportStore(db);
  const engine = {
    incident: false,
    setCrowd: () => undefined,
    openIncident: () => (engine.incident ? 1 : undefined),
  };
  const services = [service('instagram'), service('silent', false)];
  const runtime = new CrowdRuntime({ services, windows: store, engine, clock: { now: () => T0 } });
  const sink = new CommunityReportSink({
    store,
    services,
    detector: (id) => runtime.detectorState(id),
    inIncident: () => engine.incident,
  });
  let user = 0;
  /** `count` new people of `chat` report `serviceId`, 10 s apart from `at`; the outcomes in order. */
  const reportFrom = (
    chat: string,
    count: number,
    at: number,
    serviceId = 'instagram',
  ): Promise<ReportOutcome[]> =>
    inOrder(count, (i) => {
      const report: CrowdReport = {
        serviceId,
        platform: 'telegram',
        userId: `fresh-${user++}`,
        chatId: chat,
        guildId: null,
        problem: 'app',
        at: at + i * 10_000,
        answeredInChat: true,
      };
      return sink.record(report);
    });
  return { store, engine, runtime, sink, reportFrom, path };
}

/** `record(i)` for i = 0 … count − 1, each after the one before has been answered. */
async function inOrder(
  count: number,
  record: (i: number) => Awaitable<ReportOutcome>,
): Promise<ReportOutcome[]> {
  const outcomes: ReportOutcome[] = [];
  for (let i = 0; i < count; i++) outcomes.push(await record(i));
  return outcomes;
}

const notices = (outcomes: readonly ReportOutcome[]): (number | null)[] =>
  outcomes.map((o) => (o.kind === 'counted' ? (o.communityNotice?.reporters ?? null) : null));

describe('CommunityReportSink', () => {
  it('forgets notices it could not record once their 6 hours are over', async () => {
    const { store, reportFrom, sink } = setUp();
    store.markCommunityNotice = () => {
      throw new Error('disk full');
    };
    // Twenty communities, each alone in its window, reach a spike's size while storage fails.
    for (let i = 0; i < 20; i++)
      expect(notices(await reportFrom(`-100${i}`, 5, T0 + i * 6 * 60_000))).toEqual([
        null,
        null,
        null,
        null,
        null,
      ]);
    const unrecorded = (sink as unknown as { unrecorded: Map<string, number> }).unrecorded;
    expect(unrecorded.size).toBe(20);
    await reportFrom('-100999', 5, T0 + 9 * 3_600_000);
    expect(unrecorded.size).toBe(1);
  });

  it('gives no notice in a private chat: one person there, no members to tell', async () => {
    const { sink } = setUp();
    const outcomes = await inOrder(8, (i) =>
      sink.record({
        serviceId: 'instagram',
        platform: 'telegram',
        userId: `${5000 + i}`,
        chatId: `${5000 + i}`,
        guildId: null,
        problem: 'app',
        at: T0 + 60_000 + i * 10_000,
        answeredInChat: true,
      }),
    );
    expect(notices(outcomes)).toEqual(Array.from({ length: 8 }, () => null));
  });

  it("tells a community once, with the report that makes its own reporters a spike's size", async () => {
    const { reportFrom } = setUp();
    const outcomes = await reportFrom('-100111', 10, T0 + 60_000);
    expect(outcomes.every((o) => o.kind === 'counted')).toBe(true);
    expect(notices(outcomes)).toEqual([null, null, null, null, 5, null, null, null, null, null]);
  });

  it('counts each community on its own: four here and four there tell nobody', async () => {
    const { reportFrom } = setUp();
    expect(notices(await reportFrom('-100111', 4, T0))).toEqual([null, null, null, null]);
    expect(notices(await reportFrom('-100222', 4, T0 + 1000))).toEqual([null, null, null, null]);
    // A fifth in the first chat: five of its own, but with the four elsewhere 4 + 4 is a spike for
    // everyone, so no notice for one community.
    expect(notices(await reportFrom('-100111', 1, T0 + 120_000))).toEqual([null]);
  });

  it('counts only the last five minutes: reporters spread thinly never add up', async () => {
    const { reportFrom } = setUp();
    const outcomes: ReportOutcome[] = [];
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7])
      outcomes.push(...(await reportFrom('-100111', 1, T0 + i * 2 * 60_000)));
    expect(notices(outcomes)).toEqual(Array(8).fill(null));
  });

  it('says nothing when other communities report too: the alert for everyone is on its way', async () => {
    const { reportFrom } = setUp();
    const outcomes: ReportOutcome[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(...(await reportFrom('-100301', 1, T0 + i * 20_000)));
      outcomes.push(...(await reportFrom('-100302', 1, T0 + i * 20_000 + 1000)));
    }
    expect(notices(outcomes)).toEqual(Array(12).fill(null));
  });

  it('still tells the community when one person elsewhere reports too', async () => {
    const { reportFrom } = setUp();
    await reportFrom('-100999', 1, T0);
    expect(notices(await reportFrom('-100111', 5, T0 + 1000))).toEqual([null, null, null, null, 5]);
  });

  it('never puts a notice on an alert button press: its answer is not seen by the chat', async () => {
    const { sink } = setUp();
    const pressed = await inOrder(6, (i) =>
      sink.record({
        serviceId: 'instagram',
        platform: 'telegram',
        userId: `presser-${i}`,
        chatId: '-100111',
        guildId: null,
        problem: 'other',
        at: T0 + i * 1000,
      }),
    );
    expect(notices(pressed)).toEqual(Array(6).fill(null));
  });

  it('says nothing while the service has an open incident: its subscribers know', async () => {
    const { reportFrom, engine } = setUp();
    engine.incident = true;
    expect(notices(await reportFrom('-100111', 10, T0))).toEqual(Array(10).fill(null));
  });

  it('says nothing while other communities raise the global level', async () => {
    const { reportFrom, runtime } = setUp();
    // Two windows of 5 + 5 from two chats: "possible problems" for everyone.
    const levels: (string | undefined)[] = [];
    for (const w of [0, 1]) {
      await reportFrom('-100301', 5, T0 + w * WINDOW_MS);
      await reportFrom('-100302', 5, T0 + w * WINDOW_MS + 1000);
      levels.push((await runtime.step(T0 + (w + 1) * WINDOW_MS + 5000)).get('instagram')?.level);
    }
    expect(levels).toEqual(['none', 'possible']);
    expect(notices(await reportFrom('-100111', 6, T0 + 2 * WINDOW_MS + 10_000))).toEqual(Array(6).fill(null));
  });

  it('tells the community again only after 6 hours, even across a restart', async () => {
    const first = setUp();
    expect(notices(await first.reportFrom('-100111', 5, T0))).toContain(5);
    const second = setUp(first.path);
    const later = T0 + 3 * 3_600_000;
    expect(notices(await second.reportFrom('-100111', 8, later))).toEqual(Array(8).fill(null));
    const muchLater = T0 + COMMUNITY_NOTICE_EVERY_MS + 60_000;
    expect(notices(await second.reportFrom('-100111', 5, muchLater))).toEqual([null, null, null, null, 5]);
  });

  it('never tells about a service whose crowd reports are not evaluated', async () => {
    const { reportFrom } = setUp();
    expect(notices(await reportFrom('-100111', 10, T0, 'silent'))).toEqual(Array(10).fill(null));
  });

  it('gives no notice it could not record: a repeat is worse than a miss', async () => {
    const { store, runtime } = setUp();
    let attempts = 0;
    const failing = Object.assign(Object.create(store) as SqliteReportStore, {
      markCommunityNotice: () => {
        attempts++;
        throw new Error('disk full');
      },
    });
    const sink = new CommunityReportSink({
      store: failing,
      services: [service('instagram')],
      detector: (id) => runtime.detectorState(id),
      inIncident: () => false,
    });
    const outcomes = await inOrder(6, (i) =>
      sink.record({
        serviceId: 'instagram',
        platform: 'telegram',
        userId: `p${i}`,
        chatId: '-100111',
        guildId: null,
        problem: 'other',
        at: T0 + i * 1000,
        answeredInChat: true,
      }),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(Array(6).fill('counted'));
    expect(notices(outcomes)).toEqual(Array(6).fill(null));
    // Tried once, at the fifth report; the sixth does not try (nor count the community) again.
    expect(attempts).toBe(1);
  });
});

/** A report store and how to open another on the same database (a restart). */
type StoreOn = () => Promise<{
  store: SqliteReportStore | PostgresReportStore;
  again: () => SqliteReportStore | PostgresReportStore;
}>;
const storeBackends: [string, StoreOn][] = [
  [
    'sqlite',
    () => {
      const path = tempDbPath('community-');
      const open = (): SqliteReportStore => {
        const db = openDatabase(path);
        dbs.push(db);
        return new SqliteReportStore(db);
      };
      return Promise.resolve({ store: open(), again: open });
    },
  ],
  [
    'postgres',
    async () => {
      const url = await schemaDatabase();
      const open = (): PostgresReportStore => new PostgresReportStore(poolOn(url));
      return { store: open(), again: open };
    },
  ],
];

describe.each(storeBackends)(
  'what the community notices ask of the report store, on %s',
  (_name, storeOn) => {
    const reportIn = (chatId: string, userId: string, at: number): CrowdReport => ({
      serviceId: 'instagram',
      platform: 'telegram',
      userId,
      chatId,
      guildId: null,
      problem: 'app',
      at,
      answeredInChat: true,
    });

    it("counts a community's reporters over the trailing window up to a report just recorded, and the others'", async () => {
      const { store } = await storeOn();
      const chat = chatKeyOf(reportIn('-100111', 'x', T0));
      // One reporter just outside the window, then five inside it, then one from another chat.
      await store.record(reportIn('-100111', 'early', T0 - WINDOW_MS));
      await store.flush();
      for (let i = 0; i < 5; i++) await store.record(reportIn('-100111', `m${i}`, T0 + i * 10_000));
      await store.record(reportIn('-100222', 'other', T0 + 1000));
      const at = T0 + 4 * 10_000;
      // The span the notice reads for the report at `at`: written and queued reports alike.
      const [from, to] = [at - WINDOW_MS + 1, at + 1];
      expect(await store.communityReporters('instagram', chat, from, to)).toBe(5);
      expect(await store.communityCounts('instagram', from, to)).toEqual(
        new Map([
          [chat, 5],
          ['telegram:-100222', 1],
        ]),
      );
      await store.flush();
      expect(await store.communityReporters('instagram', chat, from, to)).toBe(5);
      expect(await store.communityReporters('instagram', chat, T0 - WINDOW_MS, to)).toBe(6);
    });

    it('keeps the time of a notice per service and community across a restart, until pruned with its reports', async () => {
      const { store, again } = await storeOn();
      await store.markCommunityNotice('instagram', 'telegram:-100111', T0);
      await store.markCommunityNotice('whatsapp', 'telegram:-100111', T0 + 1000);
      const restarted = again();
      expect(await restarted.lastCommunityNotice('instagram', 'telegram:-100111')).toBe(T0);
      expect(await restarted.lastCommunityNotice('whatsapp', 'telegram:-100111')).toBe(T0 + 1000);
      expect(await restarted.lastCommunityNotice('instagram', 'telegram:-100222')).toBeNull();
      // Pruning reports older than a notice keeps the notice; one past it forgets it.
      await restarted.prune(T0);
      expect(await restarted.lastCommunityNotice('instagram', 'telegram:-100111')).toBe(T0);
      await restarted.prune(T0 + COMMUNITY_NOTICE_EVERY_MS);
      expect(await restarted.lastCommunityNotice('instagram', 'telegram:-100111')).toBeNull();
      expect(await restarted.lastCommunityNotice('whatsapp', 'telegram:-100111')).toBeNull();
    });
  },
);
