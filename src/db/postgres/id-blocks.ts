import type pg from 'pg';
import type { Logger } from '../../logging.js';

/** Incident ids kept on hand: one per incident opening, so hours of outages with the database away. */
export const INCIDENT_ID_RESERVE = 500;

/** One id handed out, and whether it came past the reserve (the database away, the reserve used up). */
export interface TakenId {
  readonly id: number;
  /**
   * Not from the sequence: one past every id this process has seen. The write that stores it moves
   * the sequence past it (`advanceSequenceSql`), so nobody is handed it again.
   */
  readonly beyondSequence: boolean;
}

/**
 * Ids reserved ahead from a table's identity sequence, handed out synchronously: the detection
 * engine must have a new incident's id at once, without waiting on the network. `nextval` hands an
 * id to one caller only, so ids taken here never collide with another process's, nor with a later
 * run's (a block unused at exit is a gap in the ids, as a rolled-back insert leaves).
 *
 * Reserved at open (`reserve` ids), refilled in the background when half are used. When the reserve
 * is used up while the database cannot be reached, the next ids are one past the highest id seen
 * (reserved or stored), logged once as an error; the write that stores such an id moves the sequence
 * past it, and refilled ids at or below it are discarded. That fallback is safe while this process
 * is the only one taking ids.
 */
export class IdReserve {
  private ids: number[] = [];
  private next = 0;
  private refilling: Promise<void> | null = null;
  /** The highest id seen: stored at open, reserved, or handed out past the reserve. */
  private highest: number;
  /** The highest id handed out past the reserve: refilled ids at or below it are discarded. */
  private beyondUpTo = 0;
  private firstBeyond = 0;
  private warned = false;
  private refillFailures = 0;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly column: string,
    private readonly reserve: number,
    private readonly log: Logger | null,
    highestStored: number,
  ) {
    this.highest = highestStored;
  }

  /** Reserves `reserve` ids from `table.column`'s sequence (a constant name, never input). */
  static async open(
    pool: pg.Pool,
    table: string,
    column: string,
    options: { readonly reserve?: number; readonly log?: Logger } = {},
  ): Promise<IdReserve> {
    const max = await pool.query<{ id: number | null }>(`SELECT MAX(${column}) AS id FROM ${table}`);
    const reserve = new IdReserve(
      pool,
      table,
      column,
      Math.max(2, options.reserve ?? INCIDENT_ID_RESERVE),
      options.log ?? null,
      Number(max.rows[0]?.id ?? 0),
    );
    await reserve.refill();
    return reserve;
  }

  /** Ids still on hand. */
  available(): number {
    return this.ids.length - this.next;
  }

  /** Ids handed out past the reserve since start. */
  beyondCount(): number {
    return this.beyondUpTo === 0 ? 0 : this.beyondUpTo - this.firstBeyond + 1;
  }

  take(): TakenId {
    const id = this.ids[this.next];
    if (id !== undefined) {
      this.next++;
      if (this.available() * 2 < this.reserve) void this.refillInBackground();
      return { id, beyondSequence: false };
    }
    void this.refillInBackground();
    const beyond = this.highest + 1;
    this.highest = beyond;
    if (this.beyondUpTo === 0) this.firstBeyond = beyond;
    this.beyondUpTo = beyond;
    if (!this.warned) {
      this.warned = true;
      this.log?.error(
        { table: this.table, id: beyond },
        'reserved ids used up while the database cannot be reached: handing out ids past the highest seen',
      );
    }
    return { id: beyond, beyondSequence: true };
  }

  /** Waits for a refill under way (tests, and stop). */
  async settled(): Promise<void> {
    await this.refilling;
  }

  private refillInBackground(): Promise<void> {
    this.refilling ??= this.refill()
      .then(() => {
        this.refillFailures = 0;
      })
      .catch((err: unknown) => {
        // The database is away: the next `take` tries again; the reserve or the fallback covers it.
        if (this.refillFailures++ === 0)
          this.log?.warn({ err: errorMessage(err), table: this.table }, 'could not reserve ids');
      })
      .finally(() => {
        this.refilling = null;
      });
    return this.refilling;
  }

  private async refill(): Promise<void> {
    // Ids at or below one handed out past the reserve are discarded: asked for again (the sequence
    // moves on with each call, so a few rounds reach past them).
    for (let round = 0; round < 10; round++) {
      const count = this.reserve - this.available();
      if (count <= 0) return;
      const result = await this.pool.query<{ id: number }>(
        `SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)`,
        [this.table, this.column, count],
      );
      const fresh = result.rows
        .map((r) => Number(r.id))
        .filter((id) => id > this.beyondUpTo)
        .sort((a, b) => a - b);
      this.ids = [...this.ids.slice(this.next), ...fresh];
      this.next = 0;
      for (const id of fresh) if (id > this.highest) this.highest = id;
      if (fresh.length === count) return;
    }
  }
}

/**
 * Moves `table.column`'s sequence to at least `$1` (an id handed out past the reserve), in the
 * transaction that stores that id. `$2`, `$3`: the table and the column.
 */
export const advanceSequenceSql = `SELECT setval(pg_get_serial_sequence($2, $3),
  GREATEST($1::bigint, (SELECT COALESCE(MAX(s.last_value), 0) FROM pg_sequences s
    WHERE format('%I.%I', s.schemaname, s.sequencename) = pg_get_serial_sequence($2, $3))))`;

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
