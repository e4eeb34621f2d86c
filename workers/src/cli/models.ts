import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { integer } from './arguments';
import type { Config } from '@vigie/api/config';
import { VigieError } from '@vigie/api/errors';
import { openPlatform } from '@vigie/api/platform';
import { MODELS_DIR } from '../pipelines/models';
import { addModel, EVALUATION_SET, evaluateModel, listModelFolders, upsertModelRow, writeMetrics, type EvaluationReport, type FrameCount } from '../models';
import { progressReporter } from './progress';

/** `vigie models list | add | eval`: the shipped and registered models, third-party models, held-out figures. */
export function modelCommands(program: Command, config: () => Config) {
  const models = program.command('models').description('Modèles ONNX : liste, ajout d’un modèle tiers, évaluation');

  models
    .command('list')
    .description('Les modèles du dossier models/ et ceux enregistrés dans la base')
    .option('--no-db', 'sans ouvrir la base')
    .action(async (opts: { db: boolean }) => {
      const folders = await listModelFolders();
      console.log(`Dossier ${MODELS_DIR}`);
      console.table(
        folders.map(({ card, onnxPath }) => ({
          id: card.id,
          version: card.version,
          tâche: card.task,
          sortie: card.output.format,
          entrée: `${card.input.width}×${card.input.height}×${card.input.channels}`,
          classes: card.classes.length,
          Mo: existsSync(onnxPath) ? Number((statSync(onnxPath).size / 1e6).toFixed(2)) : 'absent',
          mesuré: card.metrics?.measuredAt.slice(0, 10) ?? '—',
        })),
      );
      if (!opts.db) return;
      const platform = await openPlatform(config(), { applicationName: 'vigie-cli', queue: { supervise: false } });
      try {
        const rows = await platform.db.selectFrom('model').select(['id', 'version', 'task', 'filePath', 'sha256', 'createdAt']).orderBy('id').execute();
        console.log('Base de données (table model)');
        console.table(rows.map((r) => ({ id: r.id, version: r.version, tâche: r.task, fichier: r.filePath, sha256: r.sha256.slice(0, 12), ajouté: new Date(r.createdAt).toISOString().slice(0, 10) })));
      } finally {
        await platform.close();
      }
    });

  models
    .command('add <file>')
    .description('Ajoute un modèle ONNX tiers : vérifie ses entrées et sorties contre la carte, le copie dans models/<id>/ et l’enregistre')
    .requiredOption('--card <card.json>', 'carte du modèle (format, classes, prétraitement)')
    .option('--replace', 'remplace un modèle de même id')
    .option('--no-db', 'sans l’enregistrer dans la base')
    .action(async (file: string, opts: { card: string; replace?: boolean; db: boolean }) => {
      const added = await addModel(file, opts.card, { replace: opts.replace });
      console.log(`Modèle « ${added.card.id} » accepté (${added.card.task}, sortie ${added.card.output.format}) et copié dans ${added.dir}.`);
      if (!opts.db) return;
      const platform = await openPlatform(config(), { applicationName: 'vigie-cli', queue: { supervise: false } });
      try {
        await upsertModelRow(platform.db, added);
        console.log(`Enregistré dans la base (sha256 ${added.sha256.slice(0, 12)}…).`);
      } finally {
        await platform.close();
      }
    });

  models
    .command('eval <id>')
    .description('Mesure le modèle sur le jeu de test généré, par le moteur de Vigie, et écrit les chiffres dans sa carte')
    .option('--data <dir>', 'jeu de test généré (défaut : .vigie/training/<jeu>/test, généré s’il manque)')
    .option('--count <n>', 'images à générer si le jeu manque (défaut : autant que le jeu des chiffres de la fiche, sinon 100)', integer())
    .option('--no-write', 'affiche les chiffres sans modifier model.json')
    .option('--frames <file.csv>', 'comptage : écrit aussi les effectifs image par image (pour comparer deux modèles sur les mêmes images)')
    .action(async (id: string, opts: { data?: string; count?: number; write: boolean; frames?: string }) => {
      const folder = (await listModelFolders()).find((f) => f.card.id === id);
      if (!folder) throw new VigieError('unknown_model', `Modèle « ${id} » introuvable dans ${MODELS_DIR} (voir vigie models list).`, 404);
      if (opts.frames && folder.card.task !== 'counting') throw new VigieError('invalid_input', `--frames ne vaut que pour un modèle de comptage (${id} : ${folder.card.task}).`, 400);
      const dataDir = opts.data ?? join(config().dataDir, 'training', EVALUATION_SET[folder.card.task], 'test');
      const command = `pnpm vigie models eval ${id} --data ${relative(process.cwd(), dataDir) || '.'}`;
      const progress = progressReporter(`Évaluation de ${id}`);
      const frames: FrameCount[] = [];
      const onFrame = opts.frames ? (frame: FrameCount) => frames.push(frame) : undefined;
      const count = opts.count ?? folder.card.metrics?.testSet?.count ?? 100;
      const report = await evaluateModel(folder.dir, { dataDir, count, command, onFrame, onProgress: (done, total) => progress.update(done, total) });
      printReport(report);
      if (opts.frames) {
        await writeFile(opts.frames, framesCsv(frames));
        console.log(`Effectifs image par image écrits dans ${opts.frames}.`);
      }
      if (opts.write) {
        await writeMetrics(folder.dir, report);
        console.log(`Chiffres écrits dans ${join(folder.dir, 'model.json')}.`);
      }
    });
}

function framesCsv(frames: FrameCount[]): string {
  const lines = frames.map((f) => [f.image, f.sceneSeed, f.people, f.vehicles, f.predictedPeople.toFixed(4), f.predictedVehicles.toFixed(4)].join(','));
  return ['image,scene_seed,people,vehicles,predicted_people,predicted_vehicles', ...lines].join('\n') + '\n';
}

function printReport(report: EvaluationReport) {
  console.log(`\n${report.testSet.count} images ${report.testSet.task}/${report.testSet.split} (graine ${report.testSet.seed}), ${report.msPerImage} ms par image`);
  console.table(Object.fromEntries(Object.entries(report.results).filter(([, v]) => typeof v !== 'object')));
  for (const value of Object.values(report.results)) if (value && typeof value === 'object') console.table(value);
  console.log(`Objectifs ${JSON.stringify(report.targets)} : ${report.targetsMet ? 'atteints' : 'non atteints'}.`);
}
