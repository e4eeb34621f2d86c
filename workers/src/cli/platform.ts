import type { Command } from 'commander';
import { integer } from './arguments';
import type { Config } from '@vigie/api/config';
import { logger } from '@vigie/api/logger';
import { type Platform, openPlatform } from '@vigie/api/platform';
import { ensureInitialAdmin } from '@vigie/api/auth';
import { queueDepth } from '@vigie/api/queue';
import { startApiServer } from '@vigie/api/server';
import { closeFrameCounter } from '@vigie/api/affluence';
import { installFrameCounter, startSnapshotPoller } from '../affluence';
import { registerShippedModels } from '../models/registry';
import { startWorker } from '../worker';

/** Runs until SIGINT/SIGTERM, then stops the given parts in order (API first, database last). */
function untilSignal(stops: (() => Promise<void>)[]): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      for (const s of stops) await s().catch((err) => logger.warn({ err }, 'shutdown step failed'));
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}

/** Every process that may run or list models sees the shipped ones in the registry. */
async function prepare(platform: Platform) {
  await registerShippedModels(platform.db);
  await printInitialAdmin(platform);
}

async function printInitialAdmin(platform: Platform) {
  const admin = await ensureInitialAdmin(platform.db);
  if (admin?.password) {
    console.log(`\nPremier démarrage : compte administrateur ${admin.email}, mot de passe ${admin.password}\n(affiché une seule fois ; changez-le ou fixez VIGIE_ADMIN_PASSWORD)\n`);
  } else if (admin) {
    console.log(`Premier démarrage : compte administrateur ${admin.email} (mot de passe de VIGIE_ADMIN_PASSWORD).`);
  }
}

export function commands(program: Command, config: () => Config) {
  program
    .command('start')
    .description('Base embarquée (ou DATABASE_URL) + migrations + API + un worker')
    .option('--demo', 'génère et charge le territoire de démonstration s’il manque')
    .action(async (opts: { demo?: boolean }) => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-start' });
      await prepare(platform);
      installFrameCounter(platform);
      const api = await startApiServer(platform);
      const worker = await startWorker(platform);
      const poller = startSnapshotPoller(platform);
      console.log(`Vigie est prêt : http://${platform.config.host}:${api.port}/`);
      const stops = [api.close, poller.stop, worker.stop];
      if (opts.demo) {
        // in the background: the API answers at once, the territory appears when generated (progress below)
        const { loadDemo } = await import('./demo');
        const { startDemoCameraFeed } = await import('../affluence/demo-feed');
        const feed = loadDemo(platform).then(({ manifest, authorityId, dir }) => startDemoCameraFeed(platform.db, authorityId, dir, manifest));
        feed.catch((err) => logger.error({ err }, 'demo territory failed to load'));
        stops.push(async () => (await feed.catch(() => undefined))?.stop());
      }
      await untilSignal([...stops, closeFrameCounter, platform.close]);
    });

  program
    .command('api')
    .description('API HTTP seule (plusieurs instances possibles derrière un répartiteur)')
    .action(async () => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-api', queue: { supervise: false } });
      await prepare(platform);
      installFrameCounter(platform); // pushed camera frames are counted where they arrive, in memory
      const api = await startApiServer(platform);
      // the poller runs beside the API: the sensor preview (last frame, blurred) lives in this process's memory
      const poller = startSnapshotPoller(platform);
      await untilSignal([api.close, poller.stop, closeFrameCounter, platform.close]);
    });

  program
    .command('worker')
    .description('Un worker : exécute les tâches de la file (autant que voulu, sur toute machine reliée à DATABASE_URL)')
    .option('-c, --concurrency <n>', 'tâches en parallèle (défaut : deux par cœur)', integer())
    .action(async (opts: { concurrency?: number }) => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-worker' });
      const worker = await startWorker(platform, { concurrency: opts.concurrency });
      console.log('Worker prêt.');
      await untilSignal([worker.stop, platform.close]);
    });

  program
    .command('demo')
    .description('Génère le territoire de démonstration s’il manque et le charge dans la base')
    .action(async () => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-demo', queue: { supervise: false } });
      try {
        const { loadDemo } = await import('./demo');
        await loadDemo(platform);
      } finally {
        await platform.close();
      }
    });

  program
    .command('migrate')
    .description('Met le schéma de la base à jour (fait aussi à chaque démarrage)')
    .action(async () => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-migrate', queue: { supervise: false } });
      console.log('Schéma à jour.');
      await platform.close();
    });

  program
    .command('status')
    .description('Analyses en cours, profondeur des files, workers connectés')
    .action(async () => {
      const platform = await openPlatform(config(), { applicationName: 'vigie-status', queue: { supervise: false } });
      try {
        const runs = await platform.db
          .selectFrom('run')
          .select(['id', 'useCase', 'status', 'doneChips', 'failedChips', 'totalChips', 'createdAt'])
          .orderBy('createdAt', 'desc')
          .limit(10)
          .execute();
        const workers = await platform.db
          .selectFrom('pg_stat_activity' as never)
          .select(['application_name as app', 'client_addr as addr'] as never)
          .where('application_name' as never, '=', 'vigie-worker' as never)
          .execute();
        console.log('Analyses récentes :');
        for (const r of runs) {
          console.log(`  ${r.id}  ${r.useCase.padEnd(6)} ${r.status.padEnd(10)} ${r.doneChips + r.failedChips}/${r.totalChips} tuiles (${r.failedChips} en échec)  ${new Date(r.createdAt).toLocaleString('fr-FR')}`);
        }
        console.log('Files d’attente :', JSON.stringify(await queueDepth(platform.boss)));
        console.log(`Connexions de workers : ${workers.length} (les processus « vigie start » incluent aussi un worker)`);
      } finally {
        await platform.close();
      }
    });
}
