import ort from 'onnxruntime-node';
import { VigieError } from '@vigie/api/errors';
import { sha256File, type ModelCard } from './card';
import { yoloxAnchorCount } from './decoders/yolox';
import { sessionOptions } from './session-pool';

/** What the ONNX graph declares for one input or output. */
export interface ValueSignature {
  name: string;
  type: string;
  /** numbers for static dims, strings for symbolic ones */
  shape: ReadonlyArray<number | string>;
}

export interface CardCheck {
  ok: boolean;
  /** one sentence per mismatch, in French, for the user */
  problems: string[];
  inputs: ValueSignature[];
  outputs: ValueSignature[];
  sha256: string;
}

/** Opens the ONNX file and compares its inputs and outputs with the card. Never throws on a mismatch. */
export async function checkModelAgainstCard(onnxPath: string, card: ModelCard): Promise<CardCheck> {
  const sha256 = await sha256File(onnxPath);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath, sessionOptions(1));
  } catch (error) {
    const problems = [`le fichier n'est pas un modèle ONNX lisible (${(error as Error).message})`];
    return { ok: false, problems, inputs: [], outputs: [], sha256 };
  }
  try {
    const { inputs, outputs } = sessionSignature(session);
    const problems = compareSignatureWithCard(inputs, outputs, card);
    if (card.sha256 && card.sha256 !== sha256) {
      problems.push(`l'empreinte SHA-256 du fichier (${sha256}) diffère de celle de la carte (${card.sha256})`);
    }
    return { ok: problems.length === 0, problems, inputs, outputs, sha256 };
  } finally {
    await session.release();
  }
}

export function sessionSignature(session: Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>): { inputs: ValueSignature[]; outputs: ValueSignature[] } {
  const toSignature = (m: ort.InferenceSession.ValueMetadata): ValueSignature =>
    m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] };
  return { inputs: session.inputMetadata.map(toSignature), outputs: session.outputMetadata.map(toSignature) };
}

/** The refusal to show when `problems` is not empty. */
export function cardMismatchError(card: ModelCard, problems: readonly string[]): VigieError {
  return new VigieError(
    'model_card_mismatch',
    `Le modèle « ${card.id} » ne correspond pas à sa carte : ${problems.join(' ; ')}.`,
    422,
    { problems },
  );
}

/**
 * Pure comparison of a graph's declared inputs and outputs with the card: names, element type,
 * ranks, and every static dim the card determines. Symbolic dims are accepted (checked at run time).
 */
export function compareSignatureWithCard(inputs: readonly ValueSignature[], outputs: readonly ValueSignature[], card: ModelCard): string[] {
  const problems: string[] = [];
  const nc = card.classes.length;
  const { width, height, channels } = card.input;

  const input = inputs.find((i) => i.name === card.input.name);
  if (!input) {
    problems.push(`entrée « ${card.input.name} » absente (le modèle a : ${names(inputs)})`);
  } else {
    const others = inputs.filter((i) => i !== input);
    if (others.length > 0) problems.push(`entrées supplémentaires non décrites par la carte : ${names(others)}`);
    expectType(problems, 'entrée', input);
    expectShape(problems, 'entrée', input, [1, channels, height, width], ['lot', 'canaux', 'hauteur', 'largeur']);
  }

  const output = outputs.find((o) => o.name === card.output.name);
  if (!output) {
    problems.push(`sortie « ${card.output.name} » absente (le modèle a : ${names(outputs)})`);
    return problems;
  }
  expectType(problems, 'sortie', output);
  const anchors = yoloxAnchorCount(width, height, card.output.strides);
  switch (card.output.format) {
    case 'yolov8':
      expectShape(problems, 'sortie yolov8 [1, 4+nc, N]', output, [1, 4 + nc, anchors], ['lot', `4 + ${nc} classes`, `ancres (pas ${card.output.strides.join('/')})`]);
      break;
    case 'yolox':
      expectShape(
        problems,
        'sortie yolox [1, N, 5+nc]',
        output,
        [1, card.output.decodeInGraph ? undefined : anchors, 5 + nc],
        ['lot', `ancres Σ (taille/pas)² pour les pas ${card.output.strides.join('/')}`, `5 + ${nc} classes`],
      );
      break;
    case 'segmentation-logits':
      expectShape(problems, 'sortie segmentation [1, C, H, W]', output, [1, nc, undefined, undefined], ['lot', `${nc} classes`]);
      break;
    case 'density-map':
      expectShape(problems, 'sortie densité [1, 1, h, w]', output, [1, nc, undefined, undefined], ['lot', nc === 1 ? 'un canal' : `${nc} canaux (un par classe)`]);
      break;
  }
  return problems;
}

function names(values: readonly ValueSignature[]): string {
  return values.map((v) => `« ${v.name} »`).join(', ') || 'aucune';
}

function expectType(problems: string[], what: string, value: ValueSignature): void {
  if (value.type !== 'float32') problems.push(`${what} « ${value.name} » de type ${value.type}, attendu float32`);
}

/** `expected[i]` undefined: any size; a symbolic dim in the graph is accepted. */
function expectShape(
  problems: string[],
  what: string,
  value: ValueSignature,
  expected: ReadonlyArray<number | undefined>,
  labels: readonly string[],
): void {
  if (value.shape.length === 0) return; // shape not declared in the graph: checked when it runs
  if (value.shape.length !== expected.length) {
    problems.push(`${what} « ${value.name} » de rang ${value.shape.length} [${value.shape.join(', ')}], attendu ${expected.length}`);
    return;
  }
  expected.forEach((want, i) => {
    const got = value.shape[i];
    if (want === undefined || typeof got !== 'number' || got < 0) return;
    if (got !== want) problems.push(`${what} « ${value.name} » : dimension ${i} (${labels[i] ?? ''}) vaut ${got}, attendu ${want}`);
  });
}
