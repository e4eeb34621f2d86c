import { type Kysely, sql } from 'kysely';

// Migrations take Kysely<any>: they describe the schema as it was at that point, not as it is now.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

const now = sql`now()`;

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('authority')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('app_user')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('admin','reviewer','planner','tourism','viewer')`),
    )
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('user_session')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('commune')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('insee', 'text', (c) => c.notNull().check(sql`insee ~ '^[0-9][0-9AB][0-9]{3}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('geometry', 'jsonb', (c) => c.notNull())
    .addColumn('bbox', sql`box`, (c) => c.notNull())
    .addColumn('area_m2', 'double precision', (c) => c.notNull())
    .addColumn('population', 'integer')
    .addUniqueConstraint('commune_authority_insee', ['authority_id', 'insee'])
    .execute();
  await sql`create index commune_bbox on commune using gist (bbox)`.execute(db);

  await db.schema
    .createTable('vintage')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('year', 'integer', (c) => c.notNull().check(sql`year between 1950 and 2100`))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('acquisition_date', 'date')
    .addUniqueConstraint('vintage_authority_year', ['authority_id', 'year'])
    .execute();

  await db.schema
    .createTable('imagery_source')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('vintage_id', 'integer', (c) => c.notNull().references('vintage.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('geotiff','xyz','wmts')`))
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('epsg', 'integer', (c) => c.notNull())
    .addColumn('bounds', 'jsonb', (c) => c.notNull())
    .addColumn('bbox', sql`box`, (c) => c.notNull())
    .addColumn('gsd_m', 'double precision', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('bands', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('imagery_source_vintage_uri', ['vintage_id', 'uri'])
    .execute();
  await sql`create index imagery_source_bbox on imagery_source using gist (bbox)`.execute(db);

  await db.schema
    .createTable('model')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('task', 'text', (c) => c.notNull().check(sql`task in ('detection','segmentation','counting')`))
    .addColumn('card', 'jsonb', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('run')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('use_case', 'text', (c) => c.notNull().check(sql`use_case in ('dumps','zan','ortho')`))
    .addColumn('model_id', 'text', (c) => c.references('model.id'))
    .addColumn('vintage_id', 'integer', (c) => c.references('vintage.id'))
    .addColumn('area', 'jsonb')
    .addColumn('commune_insees', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`status in ('queued','running','succeeded','failed','cancelled')`),
    )
    .addColumn('total_chips', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_chips', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_chips', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('run_authority_created').on('run').columns(['authority_id', 'created_at']).execute();

  await db.schema
    .createTable('run_chip')
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('run.id').onDelete('cascade'))
    .addColumn('chip_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending','done','failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('result_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'integer')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('run_chip_pk', ['run_id', 'chip_key'])
    .execute();

  await db.schema
    .createTable('dump_candidate')
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('run.id').onDelete('cascade'))
    .addColumn('chip_key', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    .addColumn('box_l93', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('dump_candidate_pk', ['run_id', 'chip_key', 'idx'])
    .execute();

  await db.schema
    .createTable('dump_detection')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('run.id'))
    .addColumn('vintage_id', 'integer', (c) => c.notNull().references('vintage.id'))
    .addColumn('merge_key', 'text', (c) => c.notNull())
    .addColumn('footprint', 'jsonb', (c) => c.notNull())
    .addColumn('bbox', sql`box`, (c) => c.notNull())
    .addColumn('lon', 'double precision', (c) => c.notNull())
    .addColumn('lat', 'double precision', (c) => c.notNull())
    .addColumn('x_l93', 'double precision', (c) => c.notNull())
    .addColumn('y_l93', 'double precision', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    .addColumn('area_m2', 'double precision', (c) => c.notNull())
    .addColumn('commune_insee', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('a_verifier')
        .check(sql`status in ('a_verifier','confirme','faux_positif','signale','resorbe')`),
    )
    .addColumn('assignee_id', 'integer', (c) => c.references('app_user.id'))
    .addColumn('change', 'text', (c) =>
      c.notNull().defaultTo('nouveau').check(sql`change in ('nouveau','persistant','disparu')`),
    )
    .addColumn('first_seen_vintage_id', 'integer', (c) => c.references('vintage.id'))
    .addColumn('previous_detection_id', 'integer', (c) => c.references('dump_detection.id'))
    .addColumn('thumbnail_path', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('dump_detection_run_key', ['run_id', 'merge_key'])
    .execute();
  await sql`create index dump_detection_bbox on dump_detection using gist (bbox)`.execute(db);
  await db.schema
    .createIndex('dump_detection_filters')
    .on('dump_detection')
    .columns(['authority_id', 'vintage_id', 'status'])
    .execute();

  await db.schema
    .createTable('dump_comment')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('detection_id', 'integer', (c) => c.notNull().references('dump_detection.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.references('app_user.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('landcover_stat')
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('vintage_id', 'integer', (c) => c.notNull().references('vintage.id').onDelete('cascade'))
    .addColumn('commune_insee', 'text', (c) => c.notNull())
    .addColumn('class_id', 'integer', (c) => c.notNull())
    .addColumn('area_m2', 'double precision', (c) => c.notNull())
    .addColumn('artificialised_m2', 'double precision', (c) => c.notNull())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('run.id'))
    .addPrimaryKeyConstraint('landcover_stat_pk', ['authority_id', 'vintage_id', 'commune_insee', 'class_id'])
    .execute();

  await db.schema
    .createTable('land_change')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('from_vintage_id', 'integer', (c) => c.notNull().references('vintage.id'))
    .addColumn('to_vintage_id', 'integer', (c) => c.notNull().references('vintage.id'))
    .addColumn('commune_insee', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('artificialisation','renaturation')`))
    .addColumn('from_class', 'integer', (c) => c.notNull())
    .addColumn('to_class', 'integer', (c) => c.notNull())
    .addColumn('geometry', 'jsonb', (c) => c.notNull())
    .addColumn('bbox', sql`box`, (c) => c.notNull())
    .addColumn('area_m2', 'double precision', (c) => c.notNull())
    .addColumn('review', 'text', (c) =>
      c.notNull().defaultTo('a_verifier').check(sql`review in ('a_verifier','confirme','erreur_classification')`),
    )
    .execute();
  await sql`create index land_change_bbox on land_change using gist (bbox)`.execute(db);

  await db.schema
    .createTable('zan_trajectory')
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('commune_insee', 'text', (c) => c.notNull())
    .addColumn('reference_consumption_ha', 'double precision', (c) => c.notNull().check(sql`reference_consumption_ha >= 0`))
    .addColumn('target_reduction_pct', 'double precision', (c) => c.notNull().defaultTo(50))
    .addColumn('guarantee', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('trends_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('zan_trajectory_pk', ['authority_id', 'commune_insee'])
    .execute();

  await db.schema
    .createTable('sensor')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.notNull().references('authority.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('zone', 'text', (c) => c.notNull())
    .addColumn('lon', 'double precision', (c) => c.notNull())
    .addColumn('lat', 'double precision', (c) => c.notNull())
    .addColumn('calm_max', 'integer', (c) => c.notNull())
    .addColumn('busy_max', 'integer', (c) => c.notNull())
    .addColumn('interval_s', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('counting_polygon', 'jsonb')
    .addColumn('snapshot_url', 'text')
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('sensor_thresholds', sql`0 <= calm_max and calm_max < busy_max`)
    .execute();

  await db.schema
    .createTable('sensor_count')
    .addColumn('sensor_id', 'integer', (c) => c.notNull().references('sensor.id').onDelete('cascade'))
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('people', 'integer', (c) => c.notNull())
    .addColumn('vehicles', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sensor_count_pk', ['sensor_id', 'observed_at'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('authority_id', 'integer', (c) => c.references('authority.id'))
    .addColumn('user_id', 'integer', (c) => c.references('app_user.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);

  // Live progress: every run update is announced on channel run_progress, for the SSE stream.
  await sql`
    create function run_notify_progress() returns trigger language plpgsql as $$
    begin
      perform pg_notify('run_progress', json_build_object('id', new.id, 'authorityId', new.authority_id)::text);
      return new;
    end $$`.execute(db);
  await sql`
    create trigger run_progress after insert or update on run
    for each row execute function run_notify_progress()`.execute(db);
}

export async function down(db: Db): Promise<void> {
  for (const table of [
    'audit_log', 'sensor_count', 'sensor', 'zan_trajectory', 'land_change', 'landcover_stat', 'dump_comment',
    'dump_detection', 'dump_candidate', 'run_chip', 'run', 'model', 'imagery_source', 'vintage', 'commune',
    'user_session', 'app_user', 'authority',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
  await sql`drop function if exists audit_log_append_only, run_notify_progress`.execute(db);
}
