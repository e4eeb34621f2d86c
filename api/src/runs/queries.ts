import { type Kysely, sql } from 'kysely';
import type { Database, GeoJsonGeometry, UseCase } from '../db/schema';
import { VigieError, notFound } from '../errors';
import { QUEUES, type PgBoss } from '../queue';
import { isFinished, type Run } from './progress';

export interface NewRun {
  authorityId: number;
  useCase: UseCase;
  modelId?: string | null;
  vintageId?: number | null;
  area?: GeoJsonGeometry | null;
  communeInsees?: string[];
  options?: Record<string, unknown>;
  createdBy?: number | null;
}

/** The model a use case runs when the request names none. */
export const DEFAULT_MODELS: Partial<Record<UseCase, { id: string; task: string }>> = {
  dumps: { id: 'dumps-detector', task: 'detection' },
  zan: { id: 'landcover-segmenter', task: 'segmentation' },
};

/** Creates a run and enqueues its planning; the worker computes the chips. */
export async function createRun(db: Kysely<Database>, boss: PgBoss, input: NewRun): Promise<Run> {
  const expected = DEFAULT_MODELS[input.useCase];
  let modelId = input.modelId ?? null;
  if (expected) {
    modelId ??= expected.id;
    const model = await db.selectFrom('model').select('task').where('id', '=', modelId).executeTakeFirst();
    if (!model) throw new VigieError('unknown_model', `Modèle inconnu : ${modelId} (vigie models list).`, 400);
    if (model.task !== expected.task) {
      throw new VigieError('wrong_model_task', `Le modèle ${modelId} fait de la ${model.task}, il faut un modèle de ${expected.task} pour ce cas d’usage.`, 400);
    }
  } else if (modelId) {
    throw new VigieError('invalid_input', `Le cas d’usage ${input.useCase} n’utilise pas de modèle.`, 400);
  }
  const run = await db
    .insertInto('run')
    .values({
      authorityId: input.authorityId,
      useCase: input.useCase,
      modelId,
      vintageId: input.vintageId ?? null,
      area: input.area ?? null,
      communeInsees: input.communeInsees ?? [],
      options: input.options ?? {},
      createdBy: input.createdBy ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await boss.send(QUEUES.plan, { runId: run.id }, { singletonKey: `plan:${run.id}` });
  return run;
}

export async function getRun(db: Kysely<Database>, id: string, authorityId?: number): Promise<Run> {
  const run = await db
    .selectFrom('run')
    .selectAll()
    .where('id', '=', id)
    .$if(authorityId !== undefined, (q) => q.where('authorityId', '=', authorityId!))
    .executeTakeFirst();
  if (!run) throw notFound('Analyse');
  return run;
}

export async function listRuns(db: Kysely<Database>, authorityId: number | undefined, limit = 50): Promise<Run[]> {
  return db
    .selectFrom('run')
    .selectAll()
    .$if(authorityId !== undefined, (q) => q.where('authorityId', '=', authorityId!))
    .orderBy('createdAt', 'desc')
    .limit(limit)
    .execute();
}

export async function cancelRun(db: Kysely<Database>, id: string, authorityId?: number): Promise<Run> {
  const run = await getRun(db, id, authorityId);
  if (isFinished(run.status)) {
    throw new VigieError('run_finished', `L'analyse est déjà terminée (${run.status}).`, 409);
  }
  return db
    .updateTable('run')
    .set({ status: 'cancelled', finishedAt: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Re-enqueues the chips not yet done; those done are kept (results are upserted, never duplicated). */
export async function resumeRun(db: Kysely<Database>, boss: PgBoss, id: string, authorityId?: number): Promise<Run> {
  const run = await getRun(db, id, authorityId);
  if (run.status === 'succeeded') throw new VigieError('run_finished', "L'analyse est déjà terminée.", 409);
  const resumed = await db
    .updateTable('run')
    .set({ status: 'queued', finishedAt: null, error: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await boss.send(QUEUES.plan, { runId: id });
  return resumed;
}

/** Recounts a run's chips from run_chip (the source of truth) into its progress counters. */
export async function refreshRunCounters(db: Kysely<Database>, runId: string): Promise<Run> {
  return db
    .updateTable('run')
    .set({
      doneChips: sql<number>`(select count(*) from run_chip where run_id = ${runId} and status = 'done')`,
      failedChips: sql<number>`(select count(*) from run_chip where run_id = ${runId} and status = 'failed')`,
    })
    .where('id', '=', runId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
