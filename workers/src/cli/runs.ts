import type { Command } from 'commander';
import { integer } from './arguments';
import type { Config } from '@vigie/api/config';
import type { UseCase } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { openPlatform } from '@vigie/api/platform';
import { createRun, getRun, isFinished, runProgress } from '@vigie/api/runs';
import { progressReporter } from './progress';

/** `vigie run dumps|zan --vintage 2024 [--communes 95040,95611] [--model id]`: enqueue a run and follow it. */
export function runCommands(program: Command, config: () => Config) {
  program
    .command('run <useCase>')
    .description('Lance une analyse (dumps, zan, ortho) sur un millésime et suit sa progression')
    .requiredOption('--vintage <year>', 'millésime', integer(1900))
    .option('--communes <insee,...>', 'communes à analyser (défaut : toute l’orthophoto)', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--model <id>', 'modèle (défaut : celui du cas d’usage)')
    .option('--authority <slug>', 'collectivité', 'demo')
    .option('--no-follow', 'rend la main sans attendre la fin')
    .action(async (useCase: string, opts: { vintage: number; communes?: string[]; model?: string; authority: string; follow: boolean }) => {
      if (!['dumps', 'zan', 'ortho'].includes(useCase)) throw new VigieError('unknown_use_case', `Cas d’usage inconnu : ${useCase} (dumps, zan ou ortho).`);
      const platform = await openPlatform(config(), { applicationName: 'vigie-cli', queue: { supervise: false } });
      try {
        const { db } = platform;
        const authority = await db.selectFrom('authority').select('id').where('slug', '=', opts.authority).executeTakeFirst();
        if (!authority) throw new VigieError('unknown_authority', `Collectivité inconnue : ${opts.authority}`);
        const vintage = await db.selectFrom('vintage').select('id').where('authorityId', '=', authority.id).where('year', '=', opts.vintage).executeTakeFirst();
        if (!vintage) throw new VigieError('unknown_vintage', `Aucun millésime ${opts.vintage} (vigie imagery add …).`);
        const run = await createRun(db, platform.boss, {
          authorityId: authority.id, useCase: useCase as UseCase, vintageId: vintage.id,
          modelId: opts.model ?? null, communeInsees: opts.communes ?? [],
        });
        console.log(`Analyse ${run.id} en file.`);
        if (!opts.follow) return;
        const bar = progressReporter(`Analyse ${useCase} ${opts.vintage}`);
        for (;;) {
          const progress = runProgress(await getRun(db, run.id));
          if (progress.totalChips > 0) bar.update(progress.doneChips + progress.failedChips, progress.totalChips, progress.failedChips ? `(${progress.failedChips} en échec)` : '');
          if (isFinished(progress.status)) {
            console.log(`Analyse ${progress.status}${progress.error ? ` : ${progress.error}` : ''}.`);
            break;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      } finally {
        await platform.close();
      }
    });
}
