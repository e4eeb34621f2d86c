import { type Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * ZAN: the nomenclature each authority applies, land-cover flows per class transition between two
 * vintages, a stable key for change polygons (so a re-run keeps their review), and a trajectory row
 * that may hold only the trends text before a reference consumption is known.
 */
export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('zan_setting')
    .addColumn('authority_id', 'integer', (c) => c.primaryKey().references('authority.id'))
    .addColumn('nomenclature', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('land_flow')
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('from_vintage_id', 'integer', (c) => c.notNull().references('vintage.id').onDelete('cascade'))
    .addColumn('to_vintage_id', 'integer', (c) => c.notNull().references('vintage.id').onDelete('cascade'))
    .addColumn('commune_insee', 'text', (c) => c.notNull())
    .addColumn('from_class', 'integer', (c) => c.notNull())
    .addColumn('to_class', 'integer', (c) => c.notNull())
    .addColumn('area_m2', 'double precision', (c) => c.notNull())
    .addColumn('artificialised_m2', 'double precision', (c) => c.notNull())
    .addColumn('renatured_m2', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('land_flow_pk', ['authority_id', 'from_vintage_id', 'to_vintage_id', 'commune_insee', 'from_class', 'to_class'])
    .execute();

  await db.schema.alterTable('land_change').addColumn('change_key', 'text').execute();
  await db.schema
    .createIndex('land_change_key')
    .on('land_change')
    .columns(['authority_id', 'from_vintage_id', 'to_vintage_id', 'change_key'])
    .unique()
    .execute();
  await db.schema.alterTable('zan_trajectory').alterColumn('reference_consumption_ha', (c) => c.dropNotNull()).execute();
}

export async function down(db: Db): Promise<void> {
  await db.deleteFrom('zan_trajectory').where('reference_consumption_ha', 'is', null).execute();
  await db.schema.alterTable('zan_trajectory').alterColumn('reference_consumption_ha', (c) => c.setNotNull()).execute();
  await db.schema.dropIndex('land_change_key').ifExists().execute();
  await db.schema.alterTable('land_change').dropColumn('change_key').execute();
  await db.schema.dropTable('land_flow').ifExists().execute();
  await db.schema.dropTable('zan_setting').ifExists().execute();
}
