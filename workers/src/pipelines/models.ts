import path from 'node:path';
import type { AppDeps } from '@vigie/api/http';
import { VigieError } from '@vigie/api/errors';
import { type LoadedModel, loadModel } from '../runtime';

/** The shipped models' folder (models/<id>/model.onnx + model.json). */
export const MODELS_DIR = path.resolve(import.meta.dirname, '../../../models');

/** One loaded model (and its session pool) per process, shared by every job. */
const loaded = new Map<string, Promise<LoadedModel>>();

/** The model a run names: a registered one (vigie models add) or a shipped folder under models/. */
export async function modelFor(deps: AppDeps, modelId: string): Promise<LoadedModel> {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(modelId)) throw new VigieError('unknown_model', `Modèle inconnu : ${modelId}`);
  const row = await deps.db.selectFrom('model').select('filePath').where('id', '=', modelId).executeTakeFirst();
  const dir = row ? path.dirname(row.filePath) : path.join(MODELS_DIR, modelId);
  let model = loaded.get(dir);
  if (!model) {
    model = loadModel(dir);
    model.catch(() => loaded.delete(dir));
    loaded.set(dir, model);
  }
  return model;
}

export async function closeModels(): Promise<void> {
  const models = [...loaded.values()];
  loaded.clear();
  for (const model of models) await (await model.catch(() => undefined))?.close();
}
