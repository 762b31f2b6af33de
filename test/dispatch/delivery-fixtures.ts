import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ChatSender, DeliveryJob, DeliveryResult, Platform } from '../../src/core/delivery/ports.js';
import type { IncidentEvent } from '../../src/core/events.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import type { Sleep } from '../../src/dispatch/pacer.js';
import type { FakeClock } from '../helpers/catalog.js';

export const T0 = Date.UTC(2024, 2, 19, 17, 15, 0);

/** A real SQLite file with the real migrations, in a fresh temp directory. */
export function tempDatabase(): { path: string; open: () => Db; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'delivery-'));
  const path = join(dir, 'bot.db');
  const opened: Db[] = [];
  return {
    path,
    open: () => {
      const db = openDatabase(path);
      opened.push(db);
      return db;
    },
    dispose: () => {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function incidentEvent(overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    kind: 'opened',
    incidentId: 1,
    serviceId: 'whatsapp',
    serviceName: 'WhatsApp',
    group: 'meta',
    severity: 'major',
    status: 'down',
    startedAt: T0,
    at: T0,
    evidence: [],
    ...overrides,
  };
}

/** A sleep that moves the fake clock instead of waiting, and records what was asked. */
export function fakeSleep(clock: FakeClock): Sleep & { readonly waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
    clock.advance(ms);
  };
  return Object.assign(sleep, { waits });
}

export const silentLog = pino({ level: 'silent' });

type Script = (job: DeliveryJob) => DeliveryResult | Promise<DeliveryResult>;

/**
 * An in-memory ChatSender: records every job and answers from a script (a queue of results, then
 * `sent` with increasing message ids; an edit answers with the id of the message it edited).
 */
export class ScriptedSender implements ChatSender {
  readonly jobs: DeliveryJob[] = [];
  private readonly queue: Script[] = [];
  private nextId = 100;

  constructor(readonly platform: Platform = 'telegram') {}

  /** The next deliveries answer these, in order. */
  answer(...results: (DeliveryResult | Script)[]): this {
    for (const r of results) this.queue.push(typeof r === 'function' ? r : () => r);
    return this;
  }

  async deliver(job: DeliveryJob): Promise<DeliveryResult> {
    this.jobs.push(job);
    const script = this.queue.shift();
    if (script) return script(job);
    // As the platforms do: an edit keeps its message's id.
    return { kind: 'sent', messageId: job.editMessageId ?? `m${this.nextId++}` };
  }
}

/** A promise with its resolver, to hold a delivery in flight. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface OutboxRowView {
  id: number;
  chat_id: string;
  event_kind: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  platform_message_id: string | null;
}

export function outboxRows(db: Db): OutboxRowView[] {
  return db
    .prepare(
      `SELECT o.id, c.chat_id, o.event_kind, o.status, o.attempts, o.next_attempt_at, o.last_error,
         o.platform_message_id FROM outbox o JOIN chats c ON c.ref = o.chat_ref ORDER BY o.id`,
    )
    .all() as OutboxRowView[];
}
