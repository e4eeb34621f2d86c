import { parseArgs } from 'node:util';
import { generateDemoTerritory, generateTrainingSet, type TrainingSplit, type TrainingTask } from './index';

/**
 * tsx data/src/cli.ts territory [--seed 42] [--out .vigie/demo]
 * tsx data/src/cli.ts training --task dumps|landcover|crowd --split train|val|test --count 2000 --out <dir> [--seed 42]
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    task: { type: 'string', default: 'dumps' },
    split: { type: 'string', default: 'train' },
    count: { type: 'string', default: '100' },
    size: { type: 'string' },
    threads: { type: 'string' },
  },
});

const command = positionals[0];
const seed = Number(values.seed);
const progress = (done: number, total: number, label: string) => {
  if (done === total || done % Math.max(1, Math.floor(total / 50)) === 0) process.stderr.write(`\r${label.padEnd(28)} ${done}/${total} (${Math.round((100 * done) / total)} %)   `);
};

if (command === 'territory') {
  const outDir = values.out ?? `${process.env.VIGIE_DATA_DIR ?? '.vigie'}/demo`;
  const manifest = await generateDemoTerritory({
    seed,
    outDir,
    onProgress: progress,
    sizeM: values.size ? Number(values.size) : undefined,
    threads: values.threads ? Number(values.threads) : undefined,
  });
  process.stderr.write('\n');
  console.log(`Territoire de démonstration écrit dans ${outDir} en ${(manifest.generatedInMs / 1000).toFixed(1)} s`);
} else if (command === 'training') {
  const task = values.task as TrainingTask;
  const split = values.split as TrainingSplit;
  if (!['dumps', 'landcover', 'crowd'].includes(task) || !['train', 'val', 'test'].includes(split)) {
    console.error('--task dumps|landcover|crowd, --split train|val|test');
    process.exit(2);
  }
  const outDir = values.out ?? `data/out/${task}/${split}`;
  const meta = await generateTrainingSet({ task, split, count: Number(values.count), outDir, seed, onProgress: progress });
  process.stderr.write('\n');
  console.log(`${meta.count} échantillons ${task}/${split} écrits dans ${outDir}`);
} else {
  console.error('usage: cli.ts territory [--seed N] [--out DIR] | training --task dumps|landcover|crowd --split train|val|test --count N --out DIR');
  process.exit(2);
}
