import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { StoreOptions } from './sql-store.js';
import type { RecordCodecs, Store } from './store.js';

/**
 * The composition root's one call: PostgreSQL when a database URL is configured (replicas share
 * it), otherwise the embedded SQLite file `<dataDir>/gx-trust.db`. Either way created and migrated.
 */
export function openStore(options: { dataDir: string; databaseUrl?: string | undefined; clock?: Clock; codecs: RecordCodecs; onGroupFallback?: StoreOptions['onGroupFallback']; onCheckpointerFailure?: SqliteStoreOptions['onCheckpointerFailure'] }): Promise<Store> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return openPostgresStore({ connectionString: options.databaseUrl, codecs: options.codecs, clock: options.clock, onGroupFallback: options.onGroupFallback });
  }
  return openSqliteStore({ path: join(options.dataDir, 'gx-trust.db'), codecs: options.codecs, clock: options.clock, onCheckpointerFailure: options.onCheckpointerFailure });
}
