import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { requireRole } from '../../auth/guard';
import { isDatabaseDown } from '../../db';
import { VigieError } from '../../errors';
import { cancelRun, createRun, getRun, isFinished, listRuns, resumeRun, runProgress } from '../../runs';
import type { AppEnv } from '../context';
import { parseBody, parseParams } from '../validate';

const RunId = z.object({ id: z.string().uuid() });

const Polygon = z.object({
  type: z.literal('Polygon'),
  coordinates: z
    .array(z.array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])).min(4).max(10_000))
    .min(1)
    .max(100),
});

const NewRunBody = z
  .object({
    useCase: z.enum(['dumps', 'zan', 'ortho']),
    vintage: z.number().int().min(1950).max(2100),
    model: z.string().min(1).max(100).optional(),
    communes: z.array(z.string().regex(/^[0-9][0-9AB][0-9]{3}$/)).max(500).optional(),
    area: Polygon.optional(),
  })
  .strict();

export const runs = new Hono<AppEnv>()
  .get('/', requireRole('viewer'), async (c) => {
    const rows = await listRuns(c.get('deps').db, c.get('user').authorityId);
    return c.json({ runs: rows.map((r) => runProgress(r)) });
  })
  .post('/', requireRole('reviewer', 'planner'), async (c) => {
    const body = await parseBody(c, NewRunBody);
    const { db, boss } = c.get('deps');
    const user = c.get('user');
    const vintage = await db
      .selectFrom('vintage')
      .select('id')
      .where('authorityId', '=', user.authorityId)
      .where('year', '=', body.vintage)
      .executeTakeFirst();
    if (!vintage) throw new VigieError('unknown_vintage', `Aucun millésime ${body.vintage} pour ce territoire.`, 400);
    const run = await createRun(db, boss, {
      authorityId: user.authorityId,
      useCase: body.useCase,
      modelId: body.model ?? null,
      vintageId: vintage.id,
      area: body.area ?? null,
      communeInsees: body.communes ?? [],
      createdBy: user.id,
    });
    return c.json(runProgress(run), 201);
  })
  .get('/:id', requireRole('viewer'), async (c) => {
    const { id } = parseParams(c, RunId);
    return c.json(runProgress(await getRun(c.get('deps').db, id, c.get('user').authorityId)));
  })
  .post('/:id/cancel', requireRole('reviewer', 'planner'), async (c) => {
    const { id } = parseParams(c, RunId);
    return c.json(runProgress(await cancelRun(c.get('deps').db, id, c.get('user').authorityId)));
  })
  .post('/:id/resume', requireRole('reviewer', 'planner'), async (c) => {
    const { id } = parseParams(c, RunId);
    const { db, boss } = c.get('deps');
    return c.json(runProgress(await resumeRun(db, boss, id, c.get('user').authorityId)));
  })
  // Live progress over Server-Sent Events, woken by PostgreSQL NOTIFY on every run update (no polling).
  .get('/:id/events', requireRole('viewer'), async (c) => {
    const { id } = parseParams(c, RunId);
    const { db, sql } = c.get('deps');
    const authorityId = c.get('user').authorityId;
    await getRun(db, id, authorityId);
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const listener = await sql.listen(
        'run_progress',
        (payload) => {
          if (payload.includes(id)) wake();
        },
        // called again when the listening connection is back after a database restart: notifications of the
        // outage are lost, so read the run at once rather than at the next heartbeat
        () => wake(),
      );
      stream.onAbort(() => {
        wake();
        void listener.unlisten();
      });
      try {
        while (!stream.aborted) {
          const notified = new Promise<void>((resolve) => (wake = resolve));
          const progress = runProgress(await getRun(db, id, authorityId));
          await stream.writeSSE({ event: 'progress', data: JSON.stringify(progress), id: String(progress.doneChips + progress.failedChips) });
          if (isFinished(progress.status)) break;
          // a heartbeat every 15 s keeps proxies from closing an idle stream
          await Promise.race([notified, stream.sleep(15_000)]);
        }
      } catch (error) {
        // the stream ends; EventSource reconnects, and the page looks at the run again if the API answers 503
        c.get('log')?.[isDatabaseDown(error) ? 'warn' : 'error']({ err: error, runId: id }, 'progress stream ended');
      } finally {
        await listener.unlisten().catch(() => {});
      }
    });
  });
