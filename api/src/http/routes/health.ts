import { Hono } from 'hono';
import { sql } from 'kysely';
import { publicRoute } from '../../auth/guard';
import { QUEUES } from '../../queue';
import type { AppEnv } from '../context';

const TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'error'> {
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS))]);
    return 'ok';
  } catch {
    return 'error';
  }
}

export const health = new Hono<AppEnv>().get('/', publicRoute(), async (c) => {
  const { db, boss } = c.get('deps');
  const status = {
    db: await probe(() => sql`select 1`.execute(db)),
    queue: await probe(() => boss.getQueueSize(QUEUES.chips)),
  };
  const failing = Object.entries(status).filter(([, v]) => v !== 'ok').map(([k]) => k);
  if (failing.length > 0) {
    return c.json({ status: 'error', ...status, error: { code: 'unhealthy', message: `En panne : ${failing.join(', ')}` } }, 503);
  }
  return c.json({ status: 'ok', ...status });
});
