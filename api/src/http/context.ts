import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { SessionUser } from '../contract';
import type { Database } from '../db/schema';
import type { Sql } from '../db/connect';
import type { Logger } from '../logger';
import type { PgBoss } from '../queue';
import type { Storage } from '../storage';

/** What every handler can reach; built once per process and passed to createApp. */
export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  sql: Sql;
  boss: PgBoss;
  storage: Storage;
}

export type { SessionUser };

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    log: Logger;
    /** set by requireRole; absent on public routes */
    user: SessionUser;
    csrfToken: string;
  };
}
