/**
 * The two dialects hold the same schema: a fresh SQLite database (migrations 001-…) and a fresh
 * PostgreSQL one (src/db/postgres/migrations) have the same tables; per table the same columns
 * (name, NOT NULL, type class), primary key and unique constraints; and the same indexes (name,
 * columns in order with their direction, unique, partial or not). Type classes: SQLite INTEGER is
 * PostgreSQL bigint, integer, smallint or boolean; TEXT is text; BLOB is bytea.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { openPostgres, type PgDb } from '../../../src/db/postgres/pool.js';
import { testDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface Column {
  readonly notNull: boolean;
  readonly type: string;
}
interface Index {
  /** Column names in order, `name DESC` for a descending one. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly partial: boolean;
}
interface Table {
  readonly columns: Record<string, Column>;
  readonly primaryKey: readonly string[];
  /** The UNIQUE constraints (unnamed: the dialects name them differently), as `a,b`, sorted. */
  readonly uniques: readonly string[];
  /** The indexes created by name (CREATE INDEX), by name. */
  readonly indexes: Record<string, Index>;
}
type Schema = Record<string, Table>;

function sqliteTypeClass(declared: string): string {
  const type = declared.toUpperCase();
  if (type === 'INTEGER') return 'integer';
  if (type === 'TEXT') return 'text';
  if (type === 'BLOB') return 'blob';
  return `other (${declared})`;
}

function postgresTypeClass(dataType: string): string {
  if (['bigint', 'integer', 'smallint', 'boolean'].includes(dataType)) return 'integer';
  if (dataType === 'text') return 'text';
  if (dataType === 'bytea') return 'blob';
  return `other (${dataType})`;
}

function sqliteSchema(db: Database.Database): Schema {
  const schema: Schema = {};
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string }[];
  for (const { name: table } of tables) {
    const info = db.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all(table) as {
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }[];
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const columns: Record<string, Column> = {};
    for (const c of info) {
      // A primary key column is NOT NULL in PostgreSQL always; SQLite's INTEGER PRIMARY KEY is the
      // rowid (never NULL) but reports notnull 0.
      columns[c.name] = { notNull: c.notnull === 1 || c.pk > 0, type: sqliteTypeClass(c.type) };
    }
    const uniques: string[] = [];
    const indexes: Record<string, Index> = {};
    const list = db
      .prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)')
      .all(table) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    for (const index of list) {
      const keyColumns = (
        db
          .prepare('SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
          .all(index.name) as { name: string | null; desc: number }[]
      ).map((c) => `${c.name ?? '(expression)'}${c.desc === 1 ? ' DESC' : ''}`);
      if (index.origin === 'pk') continue; // the primary key, compared above
      if (index.origin === 'u') uniques.push(keyColumns.join(','));
      else
        indexes[index.name] = {
          columns: keyColumns,
          unique: index.unique === 1,
          partial: index.partial === 1,
        };
    }
    schema[table] = { columns, primaryKey, uniques: uniques.sort(), indexes };
  }
  return schema;
}

/** Tables of the multi-instance coordination (migration 002_cluster.sql): PostgreSQL only. */
const POSTGRES_ONLY_TABLES = ['cluster_members', 'cluster_leases', 'vantage_results'];

async function postgresSchema(db: PgDb): Promise<Schema> {
  const schema: Schema = {};
  const columns = await db.pool.query<{ table: string; name: string; nullable: string; type: string }>(
    `SELECT c.table_name AS table, c.column_name AS name, c.is_nullable AS nullable, c.data_type AS type
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const table = (name: string) =>
    (schema[name] ??= { columns: {}, primaryKey: [], uniques: [], indexes: {} }) as {
      columns: Record<string, Column>;
      primaryKey: string[];
      uniques: string[];
      indexes: Record<string, Index>;
    };
  for (const c of columns.rows)
    table(c.table).columns[c.name] = { notNull: c.nullable === 'NO', type: postgresTypeClass(c.type) };
  const indexes = await db.pool.query<{
    table: string;
    name: string;
    unique: boolean;
    partial: boolean;
    primary: boolean;
    constraint: boolean;
    columns: string[];
  }>(
    `SELECT t.relname AS table, ic.relname AS name, i.indisunique AS unique, i.indpred IS NOT NULL AS partial,
            i.indisprimary AS primary,
            EXISTS (SELECT 1 FROM pg_constraint c
                     WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')) AS constraint,
            ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                         || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                    FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS columns
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public'`,
  );
  for (const index of indexes.rows) {
    const t = table(index.table);
    if (index.primary) t.primaryKey = index.columns;
    else if (index.constraint) t.uniques = [...t.uniques, index.columns.join(',')].sort();
    else t.indexes[index.name] = { columns: index.columns, unique: index.unique, partial: index.partial };
  }
  // Several instances share only a PostgreSQL database: its cluster tables have no SQLite twin.
  for (const name of POSTGRES_ONLY_TABLES) delete schema[name];
  return schema;
}

/** What differs between two schemas, one line per difference (empty: the same). */
function differences(sqlite: Schema, postgres: Schema): string[] {
  const out: string[] = [];
  const keys = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const show = (v: unknown) => JSON.stringify(v);
  for (const name of keys(sqlite, postgres)) {
    const s = sqlite[name];
    const p = postgres[name];
    if (s === undefined || p === undefined) {
      out.push(`table ${name}: only in ${s === undefined ? 'PostgreSQL' : 'SQLite'}`);
      continue;
    }
    for (const column of keys(s.columns, p.columns)) {
      const sc = s.columns[column];
      const pc = p.columns[column];
      if (sc === undefined || pc === undefined)
        out.push(`column ${name}.${column}: only in ${sc === undefined ? 'PostgreSQL' : 'SQLite'}`);
      else if (show(sc) !== show(pc))
        out.push(`column ${name}.${column}: SQLite ${show(sc)}, PostgreSQL ${show(pc)}`);
    }
    if (show(s.primaryKey) !== show(p.primaryKey))
      out.push(`primary key of ${name}: SQLite ${show(s.primaryKey)}, PostgreSQL ${show(p.primaryKey)}`);
    if (show(s.uniques) !== show(p.uniques))
      out.push(`unique constraints of ${name}: SQLite ${show(s.uniques)}, PostgreSQL ${show(p.uniques)}`);
    for (const index of keys(s.indexes, p.indexes)) {
      const si = s.indexes[index];
      const pi = p.indexes[index];
      if (si === undefined || pi === undefined)
        out.push(`index ${index} on ${name}: only in ${si === undefined ? 'PostgreSQL' : 'SQLite'}`);
      else if (show(si) !== show(pi))
        out.push(`index ${index} on ${name}: SQLite ${show(si)}, PostgreSQL ${show(pi)}`);
    }
  }
  return out;
}

describe('the SQLite and PostgreSQL schemas', () => {
  const sqlites: Database.Database[] = [];
  const postgreses: PgDb[] = [];
  let sqlite: Schema;
  let postgres: Schema;

  const freshSqlite = (): Database.Database => {
    const db = openDatabase(join(tempDir('schema-parity-'), 'bot.db'));
    sqlites.push(db);
    return db;
  };
  const freshPostgres = async (): Promise<PgDb> => {
    const db = await openPostgres(await testDatabase(), { poolSize: 1 });
    postgreses.push(db);
    return db;
  };

  beforeAll(async () => {
    sqlite = sqliteSchema(freshSqlite());
    postgres = await postgresSchema(await freshPostgres());
  });
  afterAll(async () => {
    for (const db of sqlites.splice(0)) db.close();
    await Promise.all(postgreses.splice(0).map((db) => db.close()));
  });

  it('are the same: tables, columns, primary keys, unique constraints and indexes', () => {
    expect(Object.keys(sqlite).length).toBeGreaterThan(20);
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
    expect(differences(sqlite, postgres)).toEqual([]);
    expect(postgres).toEqual(sqlite);
  });

  it('reads what it compares: types, NOT NULL, keys, unique and partial indexes', () => {
    for (const schema of [sqlite, postgres]) {
      expect(schema['incidents']?.columns['resolved_at']).toEqual({ notNull: false, type: 'integer' });
      expect(schema['chats']?.columns['active']).toEqual({ notNull: true, type: 'integer' });
      expect(schema['check_chunks']?.columns['data']).toEqual({ notNull: true, type: 'blob' });
      expect(schema['subscriptions']?.primaryKey).toEqual(['chat_ref', 'service_id']);
      expect(schema['chats']?.uniques).toEqual(['platform,chat_id']);
      expect(schema['incidents']?.indexes['incidents_one_open']).toEqual({
        columns: ['service_id'],
        unique: true,
        partial: true,
      });
      expect(schema['incidents']?.indexes['incidents_by_service']?.columns).toEqual([
        'service_id',
        'started_at DESC',
      ]);
    }
  });

  it('differ when a column, index, key or type changes in one dialect only', async () => {
    const alteredPostgres = await freshPostgres();
    await alteredPostgres.pool.query(`
      ALTER TABLE chats ADD COLUMN nickname TEXT;
      ALTER TABLE incidents ALTER COLUMN evidence_key DROP NOT NULL;
      ALTER TABLE meta ALTER COLUMN value TYPE BYTEA USING value::bytea;
      CREATE INDEX outbox_by_created ON outbox (created_at);
      DROP INDEX message_refs_in_topics;
      CREATE INDEX message_refs_in_topics ON message_refs (chat_ref);
      DROP INDEX crowd_reports_by_time;
      CREATE INDEX crowd_reports_by_time ON crowd_reports (at, service_id);
      ALTER TABLE chats DROP CONSTRAINT chats_platform_chat_id_key;
      CREATE TABLE extra (x BIGINT PRIMARY KEY);
    `);
    expect(differences(sqlite, await postgresSchema(alteredPostgres))).toEqual([
      'column chats.nickname: only in PostgreSQL',
      'unique constraints of chats: SQLite ["platform,chat_id"], PostgreSQL []',
      'index crowd_reports_by_time on crowd_reports: SQLite {"columns":["service_id","at"],"unique":false,"partial":false}, PostgreSQL {"columns":["at","service_id"],"unique":false,"partial":false}',
      'table extra: only in PostgreSQL',
      'column incidents.evidence_key: SQLite {"notNull":true,"type":"text"}, PostgreSQL {"notNull":false,"type":"text"}',
      'index message_refs_in_topics on message_refs: SQLite {"columns":["chat_ref"],"unique":false,"partial":true}, PostgreSQL {"columns":["chat_ref"],"unique":false,"partial":false}',
      'column meta.value: SQLite {"notNull":true,"type":"text"}, PostgreSQL {"notNull":true,"type":"blob"}',
      'index outbox_by_created on outbox: only in PostgreSQL',
    ]);

    const alteredSqlite = freshSqlite();
    alteredSqlite.exec(`
      ALTER TABLE outbox ADD COLUMN note TEXT;
      CREATE INDEX chats_by_created ON chats (created_at);
      DROP INDEX incidents_by_start;
      CREATE INDEX incidents_by_start ON incidents (started_at);
      CREATE TABLE pk_changed (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (b, a));
    `);
    const alteredWithPk = sqliteSchema(alteredSqlite);
    expect(differences(alteredWithPk, postgres)).toEqual([
      'index chats_by_created on chats: only in SQLite',
      'index incidents_by_start on incidents: SQLite {"columns":["started_at"],"unique":false,"partial":false}, PostgreSQL {"columns":["started_at DESC"],"unique":false,"partial":false}',
      'column outbox.note: only in SQLite',
      'table pk_changed: only in SQLite',
    ]);
    const pgPk = await freshPostgres();
    await pgPk.pool.query(
      'CREATE TABLE pk_changed (a BIGINT NOT NULL, b BIGINT NOT NULL, PRIMARY KEY (a, b))',
    );
    const withPk = await postgresSchema(pgPk);
    expect(differences(alteredWithPk, withPk)).toContain(
      'primary key of pk_changed: SQLite ["b","a"], PostgreSQL ["a","b"]',
    );
  });
});
