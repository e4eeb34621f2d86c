import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { MODELS_DIR } from '../pipelines/models';
import { cardMismatchError, checkModelAgainstCard, loadModelCard, parseModelCard, readModelFile, sha256File, type ModelCard } from '../runtime';
import { externalDataFiles } from '../runtime/onnx-wire';

/** A model folder (`<models dir>/<id>/model.json` + its ONNX file), validated. */
export interface ModelFolder {
  dir: string;
  card: ModelCard;
  /** the card as written, extra fields (description, training time…) included: what the DB keeps */
  raw: Record<string, unknown>;
  onnxPath: string;
}

/** Every model folder under `modelsDir`, sorted by id; a folder with an invalid card is an error, not skipped. */
export async function listModelFolders(modelsDir = MODELS_DIR): Promise<ModelFolder[]> {
  if (!existsSync(modelsDir)) return [];
  const entries = await readdir(modelsDir, { withFileTypes: true });
  const folders: ModelFolder[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(modelsDir, entry.name);
    if (!existsSync(join(dir, 'model.json'))) continue;
    folders.push(await readModelFolder(dir));
  }
  return folders;
}

export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const card = await loadModelCard(dir);
  const raw = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  return { dir: resolve(dir), card, raw, onnxPath: resolve(dir, card.file) };
}

/** Inserts or updates one model row from its folder (natural key: the card's id). */
export async function upsertModelRow(db: Kysely<Database>, folder: ModelFolder): Promise<{ id: string; sha256: string }> {
  const sha256 = await sha256File(folder.onnxPath);
  const row = { version: folder.card.version, task: folder.card.task, card: folder.raw, filePath: folder.onnxPath, sha256 };
  await db
    .insertInto('model')
    .values({ id: folder.card.id, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  return { id: folder.card.id, sha256 };
}

/**
 * Upserts every shipped model (`models/<id>/`) into the `model` table, so runs, the web's model panel
 * and `vigie models list` see them. Idempotent; called at start.
 */
export async function registerShippedModels(db: Kysely<Database>, modelsDir = MODELS_DIR): Promise<{ id: string; sha256: string }[]> {
  const registered: { id: string; sha256: string }[] = [];
  for (const folder of await listModelFolders(modelsDir)) registered.push(await upsertModelRow(db, folder));
  return registered;
}

export interface AddModelOptions {
  modelsDir?: string;
  /** replace an existing folder of the same id */
  replace?: boolean;
}

/**
 * `vigie models add`: checks a third-party ONNX file against its card (inputs, outputs, static dims,
 * checksum when the card has one) and copies both into `<models dir>/<id>/`. A mismatch is refused
 * with the list of problems, and nothing is written.
 */
export async function addModel(onnxFile: string, cardFile: string, options: AddModelOptions = {}): Promise<ModelFolder & { sha256: string }> {
  if (!existsSync(onnxFile)) throw new VigieError('model_file_not_found', `Fichier du modèle introuvable : ${onnxFile}.`, 404);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cardFile, 'utf8'));
  } catch (error) {
    throw new VigieError('invalid_model_card', `Carte de modèle illisible (${cardFile}) : ${(error as Error).message}.`);
  }
  const card = parseModelCard(json, cardFile);
  const check = await checkModelAgainstCard(onnxFile, card);
  if (!check.ok) throw cardMismatchError(card, check.problems);

  const dir = join(options.modelsDir ?? MODELS_DIR, card.id);
  if (existsSync(join(dir, 'model.json')) && !options.replace) {
    throw new VigieError('model_exists', `Un modèle « ${card.id} » existe déjà (${dir}) : changez l'id de la carte ou ajoutez --replace.`, 409);
  }
  await mkdir(dir, { recursive: true });
  await copyFile(onnxFile, join(dir, card.file));
  // weights kept beside the model (ONNX external data) go with it; onnxruntime, in the check above, has already
  // refused a location outside the model's folder
  for (const location of externalDataFiles(await readModelFile(onnxFile))) {
    await mkdir(dirname(join(dir, location)), { recursive: true });
    await copyFile(join(dirname(onnxFile), location), join(dir, location));
  }
  const raw = { ...(json as Record<string, unknown>), sha256: check.sha256 };
  await writeFile(join(dir, 'model.json'), JSON.stringify(raw, null, 2) + '\n');
  return { ...(await readModelFolder(dir)), sha256: check.sha256 };
}
