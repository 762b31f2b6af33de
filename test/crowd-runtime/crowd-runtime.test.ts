import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDef } from '../../src/core/catalog.js';
import {
  createCrowdDetector,
  type ProblemKind,
  stepCrowdDetector,
  summariseWindow,
  WINDOW_MS,
} from '../../src/core/crowd/index.js';
import type { CrowdView } from '../../src/core/detection/service-status.js';
import { messagesFor } from '../../src/core/i18n/index.js';
import {
  CrowdRuntime,
  QUIET_DETECTOR_ID,
  STEP_SLICE_SERVICES,
  type CrowdEngine,
} from '../../src/crowd-runtime/crowd-runtime.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { type CrowdReportWindows, SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { asyncPort } from '../helpers/async-port.js';
import { tempDir } from '../helpers/temp-dir.js';

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

/** Records what the engine is told; `incident` switches the open incident on and off. */
class RecordingEngine implements CrowdEngine {
  readonly told: { serviceId: string; view: CrowdView }[] = [];
  incident = false;
  setCrowd(serviceId: string, view: CrowdView): void {
    this.told.push({ serviceId, view });
  }
  openIncident(): unknown {
    return this.incident ? { id: 1 } : undefined;
  }
}

function setUp(path = join(tempDir('crowd-'), 'bot.db')) {
  const db = openDatabase(path);
  dbs.push(db);
  const store = new SqliteReportStore(db);
  const engine = new RecordingEngine();
  const clock = { now: () => T0 };
  const runtime = new CrowdRuntime({
    services: [service('whatsapp'), service('quiet', false)],
    windows: store,
    engine,
    clock,
  });
  return { store, engine, runtime, path };
}

let nextUser = 0;
/** `count` distinct users in the window starting at `start`, spread over `chats` chats. */
function report(
  store: SqliteReportStore,
  start: number,
  count: number,
  chats: number,
  kinds: ProblemKind[] = ['sending'],
): void {
  for (let i = 0; i < count; i++) {
    store.record({
      serviceId: 'whatsapp',
      platform: 'telegram',
      userId: `u${nextUser++}`,
      chatId: `-100${i % chats}`,
      guildId: null,
      problem: kinds[i % kinds.length] ?? 'other',
      at: start + i * 1000,
    });
  }
}

describe('CrowdRuntime', () => {
  it('detects many reporters in many chats and tells the engine the top problem', async () => {
    const { store, engine, runtime } = setUp();
    await runtime.step(T0 + WINDOW_MS + 5000); // a quiet window first
    // 21 counted reporters in 4 chats, 13 of them about sending: "62% of reports: messages not sending".
    const kinds: ProblemKind[] = [
      ...Array<ProblemKind>(13).fill('sending'),
      ...Array<ProblemKind>(6).fill('connection'),
      ...Array<ProblemKind>(2).fill('login'),
    ];
    report(store, T0 + WINDOW_MS, 21, 4, kinds);
    const views = await runtime.step(T0 + 2 * WINDOW_MS + 5000);
    const view = views.get('whatsapp');
    expect(view).toMatchObject({ level: 'detected', reporters: 21, strong: true, since: T0 + WINDOW_MS });
    expect(view?.topProblem).toEqual({ kind: 'sending', share: 13 / 21 });
    const top = view?.topProblem ?? { kind: 'other', share: 0 };
    expect(messagesFor('en').evidence.crowdTopProblem({ kind: 'sending', share: top.share })).toBe(
      '62% of reports: messages not sending',
    );
    expect(engine.told.map((t) => t.view.level)).toEqual(['none', 'detected']);
    expect(views.has('quiet')).toBe(false);
  });

  it('never lets one chat alone move the crowd level, however many of its members report', async () => {
    const { store, runtime } = setUp();
    const views: CrowdView[] = [];
    for (let w = 0; w < 6; w++) {
      report(store, T0 + w * WINDOW_MS, 40, 1);
      views.push(
        (await runtime.step(T0 + (w + 1) * WINDOW_MS + 5000)).get('whatsapp') ?? {
          level: 'none',
          reporters: -1,
        },
      );
    }
    expect(views.map((v) => v.level)).toEqual(Array(6).fill('none'));
    expect(views.map((v) => v.reporters)).toEqual(Array(6).fill(0));
  });

  it('takes the channels of one Discord guild as one community', async () => {
    const { store, runtime } = setUp();
    const levels: string[] = [];
    for (let w = 0; w < 3; w++) {
      const start = T0 + w * WINDOW_MS;
      // 8 members a window in four channels of guild 42: one community, counting 0.
      for (let i = 0; i < 8; i++) {
        store.record({
          serviceId: 'whatsapp',
          platform: 'discord',
          userId: `g${nextUser++}`,
          chatId: String(100 + (i % 4)),
          guildId: '42',
          problem: 'app',
          at: start + i * 1000,
        });
      }
      levels.push((await runtime.step(start + WINDOW_MS + 5000)).get('whatsapp')?.level ?? '?');
    }
    expect(levels).toEqual(['none', 'none', 'none']);
    expect((await runtime.detectorState('whatsapp')).recent.every((r) => !r.spike)).toBe(true);
  });

  it('counts a brigade for no more than the other chats together', async () => {
    const { store, runtime } = setUp();
    const levels: string[] = [];
    for (let w = 0; w < 3; w++) {
      const start = T0 + w * WINDOW_MS;
      report(store, start, 10, 1); // ten members of chat -1000
      // and two people elsewhere: 2 + 2 = 4 counted, below a spike's 5
      for (const chat of ['-2001', '-2002']) {
        store.record({
          serviceId: 'whatsapp',
          platform: 'telegram',
          userId: `u${nextUser++}`,
          chatId: chat,
          guildId: null,
          problem: 'sending',
          at: start + 60_000,
        });
      }
      levels.push((await runtime.step(start + WINDOW_MS + 5000)).get('whatsapp')?.level ?? '?');
    }
    expect(levels).toEqual(['none', 'none', 'none']);
    expect((await runtime.detectorState('whatsapp')).recent.every((r) => !r.spike)).toBe(true);
  });

  it('steps each window once: a second step in the same window changes nothing', async () => {
    const { store, engine, runtime } = setUp();
    report(store, T0, 20, 4);
    await runtime.step(T0 + WINDOW_MS + 5000);
    const state = await runtime.detectorState('whatsapp');
    expect((await runtime.step(T0 + WINDOW_MS + 60_000)).size).toBe(0);
    expect(await runtime.detectorState('whatsapp')).toBe(state);
    expect(engine.told).toHaveLength(1);
  });

  it('persists detector state: a restarted runtime keeps the alert in force', async () => {
    const first = setUp();
    report(first.store, T0, 20, 4);
    expect((await first.runtime.step(T0 + WINDOW_MS + 5000)).get('whatsapp')?.level).toBe('detected');
    const second = setUp(first.path);
    const view = (await second.runtime.step(T0 + 2 * WINDOW_MS + 5000)).get('whatsapp');
    expect(view?.level).toBe('detected');
    expect((await second.runtime.detectorState('whatsapp')).recent.map((r) => r.windowStart)).toEqual([
      T0,
      T0 + WINDOW_MS,
    ]);
  });

  it('writes the queued reports when it stops', async () => {
    const { store, runtime } = setUp();
    report(store, T0, 3, 1);
    await runtime.stop();
    expect(dbs[0]?.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 3 });
  });

  it('evaluates the windows missed while stopped, up to an hour of them', async () => {
    const { runtime } = setUp();
    await runtime.step(T0 + WINDOW_MS + 5000);
    await runtime.step(T0 + 7 * WINDOW_MS + 5000);
    const starts = (await runtime.detectorState('whatsapp')).recent.map((r) => r.windowStart);
    expect(starts.at(-1)).toBe(T0 + 6 * WINDOW_MS);
    expect((await runtime.detectorState('whatsapp')).baseline.learnedWindows).toBe(5); // learned two windows late
  });

  it('does not learn windows inside an open incident as normal traffic', async () => {
    const learned = async (incident: boolean): Promise<number> => {
      const { store, engine, runtime } = setUp();
      engine.incident = incident;
      for (let w = 0; w < 12; w++) {
        report(store, T0 + w * WINDOW_MS, 2, 2);
        await runtime.step(T0 + (w + 1) * WINDOW_MS + 5000);
      }
      return (await runtime.detectorState('whatsapp')).baseline.learnedWindows;
    };
    expect(await learned(false)).toBeGreaterThan(0);
    expect(await learned(true)).toBe(0);
  });

  describe('with many services', () => {
    /** Services for 2½ slices on one database: `whatsapp` (in the middle) is reported on, the rest never. */
    function manyServices(path = join(tempDir('crowd-'), 'bot.db')) {
      const db = openDatabase(path);
      dbs.push(db);
      const store = new SqliteReportStore(db);
      const engine = new RecordingEngine();
      const services = Array.from({ length: 2.5 * STEP_SLICE_SERVICES }, (_, i) => service(`s${i}`));
      services.splice(1.5 * STEP_SLICE_SERVICES, 0, service('whatsapp'));
      const runtime = new CrowdRuntime({ services, windows: store, engine, clock: { now: () => T0 } });
      return { store, engine, runtime, services, db, path };
    }

    const LAST = `s${2.5 * STEP_SLICE_SERVICES - 1}`;

    it('steps in slices across event-loop turns and ends where the synchronous step ends', async () => {
      const sliced = manyServices();
      const whole = manyServices();
      const levels: string[] = [];
      for (let w = 0; w < 4; w++) {
        for (const { store } of [sliced, whole]) report(store, T0 + w * WINDOW_MS, w === 3 ? 24 : 1, 6);
        const now = T0 + (w + 1) * WINDOW_MS + 5000;
        // A callback queued before the step runs before the step is over: the step let it in.
        let midway: number | null = null;
        setImmediate(() => {
          void Promise.resolve(sliced.runtime.detectorState(LAST)).then((state) => {
            midway = state.recent.length;
          });
        });
        const slicedViews = await sliced.runtime.stepInSlices(now);
        expect(midway).toBe(w);
        expect(slicedViews).toEqual(await whole.runtime.step(now));
        levels.push(slicedViews.get('whatsapp')?.level ?? '?');
      }
      expect(levels).toEqual(['none', 'none', 'none', 'detected']);
      for (const { id } of sliced.services) {
        expect(await sliced.runtime.detectorState(id)).toEqual(await whole.runtime.detectorState(id));
      }
      expect(sliced.store.loadDetector('whatsapp')).toEqual(await sliced.runtime.detectorState('whatsapp'));
      expect(sliced.engine.told).toEqual(whole.engine.told);
      // Services nobody reported on share one state, stored once as the quiet detector, not per service.
      expect(await sliced.runtime.detectorState('s0')).toBe(await sliced.runtime.detectorState(LAST));
      expect(await sliced.runtime.detectorState('s0')).not.toBe(
        await sliced.runtime.detectorState('whatsapp'),
      );
      expect(sliced.store.loadDetector(QUIET_DETECTOR_ID)).toEqual(await sliced.runtime.detectorState('s0'));
      expect(sliced.store.loadDetector('s0')).toBeNull();
      expect(sliced.store.loadDetector(LAST)).toBeNull();
    });

    it('stores and keeps a state only for services whose state is not the quiet one', async () => {
      const { store, runtime, db } = manyServices();
      const stored = (): unknown[] =>
        db.prepare('SELECT service_id FROM crowd_detectors ORDER BY service_id').pluck().all();
      // One chat alone counts 0: whatsapp is stepped on its own and ends in the quiet state.
      report(store, T0, 5, 1);
      await runtime.stepInSlices(T0 + WINDOW_MS + 5000);
      expect(stored()).toEqual([QUIET_DETECTOR_ID]);
      expect(await runtime.detectorState('whatsapp')).toBe(await runtime.detectorState('s0'));
      report(store, T0 + WINDOW_MS, 3, 3);
      await runtime.stepInSlices(T0 + 2 * WINDOW_MS + 5000);
      expect(stored()).toEqual([QUIET_DETECTOR_ID, 'whatsapp']);
      expect(store.loadDetector('whatsapp')).toEqual(await runtime.detectorState('whatsapp'));
      expect(store.loadDetector(QUIET_DETECTOR_ID)).toEqual(await runtime.detectorState(LAST));
      expect((await runtime.detectorState(LAST)).recent).toHaveLength(2);
    });

    it('reads a store with a row per service page by page, keeping one quiet state and the alerts', async () => {
      const before = manyServices();
      const empty = summariseWindow([]);
      let quiet = createCrowdDetector();
      for (const start of [T0, T0 + WINDOW_MS]) quiet = stepCrowdDetector(quiet, empty, start).state;
      const alert = { ...quiet, level: 'possible' as const, episodeStart: T0 + WINDOW_MS };
      // As the runtime stored states before the quiet detector: every service its own row.
      before.store.saveDetectors(
        new Map([...before.services.map((s): [string, typeof quiet] => [s.id, quiet]), ['whatsapp', alert]]),
        T0,
      );
      const { runtime, engine, db, store } = manyServices(before.path);
      let restored = false;
      let turnDuringRestore = false;
      setImmediate(() => {
        turnDuringRestore = !restored;
      });
      await runtime.restore();
      restored = true;
      expect(turnDuringRestore).toBe(true);
      expect(engine.told).toEqual([
        {
          serviceId: 'whatsapp',
          view: { level: 'possible', reporters: 0, since: T0 + WINDOW_MS, strong: false },
        },
      ]);
      expect(db.prepare('SELECT service_id FROM crowd_detectors ORDER BY service_id').pluck().all()).toEqual([
        QUIET_DETECTOR_ID,
        'whatsapp',
      ]);
      expect(await runtime.detectorState(LAST)).toEqual(quiet);
      expect(await runtime.detectorState('whatsapp')).toEqual(alert);
      await runtime.stepInSlices(T0 + 3 * WINDOW_MS + 5000);
      expect(await runtime.detectorState('s0')).toEqual(
        stepCrowdDetector(quiet, empty, T0 + 2 * WINDOW_MS).state,
      );
      expect(store.loadDetector(QUIET_DETECTOR_ID)).toEqual(await runtime.detectorState('s0'));
      expect(store.loadDetector('s0')).toBeNull();
    });

    it("asks which services were reported on instead of reading every service's window", () => {
      const { store } = manyServices();
      report(store, T0, 3, 1);
      expect([...store.reportedServices(T0, T0 + WINDOW_MS)]).toEqual(['whatsapp']);
      expect(store.reportedServices(T0 + WINDOW_MS, T0 + 2 * WINDOW_MS).size).toBe(0);
      expect(store.reportedServices(T0 - WINDOW_MS, T0).size).toBe(0);
    });

    it('starts no further slice once stopped', async () => {
      const { runtime } = manyServices();
      const stepping = runtime.stepInSlices(T0 + WINDOW_MS + 5000);
      await runtime.stop();
      const views = await stepping;
      expect(views.size).toBe(STEP_SLICE_SERVICES);
      expect((await runtime.detectorState(LAST)).recent).toEqual([]);
    });
  });

  it('never runs two steps at once over a store that answers later: the second waits for the first', async () => {
    const { store, engine } = setUp();
    const later = asyncPort(store);
    let running = 0;
    let most = 0;
    const windows: CrowdReportWindows = {
      reportsBetween: (...args) => later.reportsBetween(...args),
      loadDetector: (...args) => later.loadDetector(...args),
      async reportedServices(...args) {
        most = Math.max(most, ++running);
        return later.reportedServices(...args);
      },
      async saveDetectors(...args) {
        await later.saveDetectors(...args);
        running--;
      },
    };
    const runtime = new CrowdRuntime({
      services: [service('whatsapp')],
      windows,
      engine,
      clock: { now: () => T0 },
    });
    report(store, T0, 20, 4);
    const [first, second] = await Promise.all([
      runtime.step(T0 + WINDOW_MS + 5000),
      runtime.step(T0 + 2 * WINDOW_MS + 5000),
    ]);
    expect(most).toBe(1);
    expect(first.get('whatsapp')?.level).toBe('detected');
    expect(second.get('whatsapp')?.level).toBe('detected');
    expect((await runtime.detectorState('whatsapp')).recent.map((r) => r.windowStart)).toEqual([
      T0,
      T0 + WINDOW_MS,
    ]);
  });
});
