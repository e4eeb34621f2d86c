import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as m0001 from './migrations/0001_initial';
import * as m0005 from './migrations/0005_zan';
import * as m0006 from './migrations/0006_nomenclature_2023';
import * as m0007 from './migrations/0007_imagery_bands';
import * as m0008 from './migrations/0008_dump_queue_index';
import type { Database } from './schema';

/** Listed here, not discovered on disk: the bundle and the tests see the same migrations. */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0005_zan': m0005,
  '0006_nomenclature_2023': m0006,
  '0007_imagery_bands': m0007,
  '0008_dump_queue_index': m0008,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; idempotent, safe to run at every start and from several processes. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} échouée : ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
