import type { ServicesConfig } from '../config/services-file.js';
import type { Clock } from '../core/model.js';
import type { Logger } from '../logging.js';
import type { Storage, StorageConfig } from './storage.js';

/**
 * Opens the configured backend: PostgreSQL when `DATABASE_URL` is set (connects, migrates, loads
 * what the detection engine needs), else the SQLite file. Throws a one-line error naming the
 * database and the reason when it cannot be opened.
 */
export async function openStorage(
  config: StorageConfig,
  services: ServicesConfig,
  deps: { readonly clock: Clock; readonly log: Logger },
): Promise<Storage> {
  // Each backend's driver is loaded only when it is the one in use (pg is not loaded on SQLite).
  if (config.database.kind === 'postgres') {
    const { PostgresStorage } = await import('./postgres-storage.js');
    return PostgresStorage.open(config, config.database, services, deps);
  }
  const { SqliteStorage } = await import('./sqlite-storage.js');
  return new SqliteStorage(config, services, deps);
}
