import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  VIGIE_DATA_DIR: z.string().default('./.vigie'),
  DATABASE_URL: z.string().url().optional(),
  VIGIE_PORT: z.coerce.number().int().min(0).max(65535).default(8080), // 0: any free port (tests)
  VIGIE_HOST: z.string().default('127.0.0.1'),
  VIGIE_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  VIGIE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VIGIE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  VIGIE_WORKER_MEMORY_MB: z.coerce.number().int().min(64).optional(),
  VIGIE_JOB_EXPIRE_S: z.coerce.number().int().min(1).max(86_400).default(300),
  VIGIE_QUEUE_MAINTENANCE_S: z.coerce.number().int().min(1).max(3600).default(30),
});

export interface Config {
  dataDir: string;
  databaseUrl?: string;
  port: number;
  host: string;
  embeddedPgPort: number;
  logLevel: z.infer<typeof Env>['VIGIE_LOG_LEVEL'];
  workerConcurrency?: number;
  /** memory one worker may give a land-cover map (default: three quarters of the machine's or container's) */
  workerMemoryMb?: number;
  /** a job not finished within this time (worker killed) is retried */
  jobExpireSeconds: number;
  /** how often the queue looks for expired jobs */
  queueMaintenanceSeconds: number;
}

/** Reads Vigie's configuration from the environment (see the README's configuration table). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Configuration invalide : ${issues}`);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(e.VIGIE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    port: e.VIGIE_PORT,
    host: e.VIGIE_HOST,
    embeddedPgPort: e.VIGIE_EMBEDDED_PG_PORT,
    logLevel: e.VIGIE_LOG_LEVEL,
    workerConcurrency: e.VIGIE_WORKER_CONCURRENCY,
    workerMemoryMb: e.VIGIE_WORKER_MEMORY_MB,
    jobExpireSeconds: e.VIGIE_JOB_EXPIRE_S,
    queueMaintenanceSeconds: e.VIGIE_QUEUE_MAINTENANCE_S,
  };
}
