import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * What each sample of an orthophoto is (R, G, B, NIR…, null for an alpha band to skip): a 3-band file may be
 * natural colour or IGN's infrared colour (NIR, R, G), which no header tells apart. Sources registered before
 * were read as R, G, B.
 */
export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('imagery_source').addColumn('band_names', 'jsonb').execute();
  await db.updateTable('imagery_source').set({ band_names: sql`'["R","G","B"]'::jsonb` }).where('bands', '=', 3).execute();
}
