/**
 * `pnpm bench [name…]`: runs the listed benchmark parts in order (all without names) and prints their
 * tables. A part is a module under tests/bench/ that measures against a reference in the same run;
 * add yours to BENCHES.
 */

export {};

// the parts import the API and its logger below: a line per request would bury the tables
process.env.VIGIE_LOG_LEVEL ??= 'warn';

interface BenchPart {
  name: string;
  description: string;
  run(): Promise<void>;
}

const BENCHES: BenchPart[] = [
  {
    name: 'models',
    description: 'débit de chaque modèle livré, chemin complet contre session.run nu',
    run: async () => {
      const { benchModels, printModels } = await import('./models');
      printModels(await benchModels());
    },
  },
  {
    name: 'affluence',
    description: 'caméras simulées poussant des images à l’API sur la boucle locale : images/s, latence p50/p95, rapport à session.run nu',
    run: async () => {
      const { benchAffluence, printAffluence } = await import('./affluence');
      printAffluence(await benchAffluence());
    },
  },
  {
    name: 'dumps',
    description: 'dépôts sauvages : analyse complète (API, file, worker, base) en km²/h, rapport à session.run nu sur les mêmes tuiles',
    run: async () => {
      const { benchDumps } = await import('./dumps');
      await benchDumps();
    },
  },
  {
    name: 'zan',
    description: 'occupation du sol : km²/h en segmentation et en agrégation (mosaïque, nomenclature, communes, changements, tuiles), rapport à session.run nu',
    run: async () => {
      const { benchZan } = await import('./zan');
      await benchZan();
    },
  },
  {
    name: 'web',
    description: 'tableau de bord dans Chromium sans GPU : premier affichage, chargement et images par seconde en déplaçant la carte sur 50 000 détections, rapport à la carte seule',
    run: async () => {
      const { benchWeb, printWeb } = await import('./web');
      printWeb(await benchWeb());
    },
  },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`Banc inconnu : ${unknown.join(', ')} (disponibles : ${BENCHES.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
let failed = false;
for (const bench of BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  console.log(`\n== ${bench.name} : ${bench.description}`);
  try {
    await bench.run();
  } catch (error) {
    failed = true;
    console.error(`Banc « ${bench.name} » en échec : ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed ? 1 : 0);
