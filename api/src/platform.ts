import path from 'node:path';
import type { Config } from './config';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './db';
import type { AppDeps } from './http/context';
import { type QueueOptions, startQueue } from './queue';
import { fileStorage } from './storage';

export interface Platform extends AppDeps {
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** Database (embedded or DATABASE_URL) + migrations + queue + storage: what every Vigie process needs. */
export async function openPlatform(config: Config, opts: { applicationName: string; queue?: QueueOptions }): Promise<Platform> {
  const database = await openDatabase(config, { applicationName: opts.applicationName });
  try {
    await migrateToLatest(database.db);
    const boss = await startQueue(database.sql, {
      expireInSeconds: config.jobExpireSeconds,
      maintenanceIntervalSeconds: config.queueMaintenanceSeconds,
      ...opts.queue,
    });
    return {
      config,
      database,
      db: database.db,
      sql: database.sql,
      boss,
      storage: fileStorage(path.join(config.dataDir, 'files')),
      async close() {
        await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => {});
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
