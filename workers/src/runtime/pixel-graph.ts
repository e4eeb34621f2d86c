/**
 * The model's graph with the card's input normalisation put inside it, in memory at load time: it takes 8-bit
 * pixels as an image holds them (uint8 [1, H, W, C], interleaved, in the card's channel order, already resized
 * or letterboxed), moves them to [1, C, H, W], casts and applies (pixel × scale − mean) / std itself before the
 * model's first node. onnxruntime does that in 0.3 to 0.5 ms where a JavaScript pass over a 512 px chip takes
 * 1.6 ms, and a quarter of the bytes cross to the session's thread. The card's mirrored passes and, for a
 * segmentation, the argmax of the logits join them in the graph. The card and the file on disk are unchanged:
 * a model that takes float NCHW still does; Vigie only feeds it differently.
 */
import type { ModelCard } from './card';
import type { Mirror } from './flips';
import type { ValueSignature } from './inspect';
import {
  concatBytes, externalDataLocations, floatTensor, int64Tensor, messageField, node, ONNX_TYPE, readFields, stringField, stringOf, utf8, valueInfo, type NodeAttribute, type WireField,
} from './onnx-wire';

/** Name of the pixel input of a rewritten graph (Vigie's names all start with "vigie." and are refused in a model). */
export const PIXEL_INPUT = 'vigie.pixels';
/** Extra output of a rewritten segmentation graph: the class of each output cell (argmax of the logits), uint8 [1, h, w]. */
export const CLASS_OUTPUT = 'vigie.classes';

export interface PixelGraph {
  /** the rewritten model, for `InferenceSession.create` */
  bytes: Uint8Array;
  /** what the model itself declares as its input, for the check against the card */
  input: ValueSignature;
  /** the mirrored passes asked for run inside the graph too: one run gives their sum */
  mirrored: boolean;
}

/** Opset from which Cast, Transpose, Mul and Add (with numpy broadcasting) read as written here. */
const MIN_OPSET = 7;
/** Opset from which DequantizeLinear takes a scale per channel (axis): the cast and the multiply in one node. */
const DEQUANTIZE_OPSET = 13;
/** Opset from which Slice takes steps, here −1 to mirror. */
const MIRROR_OPSET = 10;

/**
 * The rewrite, or why there is none (the model then runs as it is, on float tensors prepared in JavaScript):
 * the input is not float [1, C, H, W] with the card's channel count, the pad value is not a byte, the opset
 * or IR version is older than these nodes, the weights lie in files beside the model, or the graph already uses
 * Vigie's names.
 */
export function pixelGraph(model: Uint8Array, card: ModelCard, mirrors: readonly Mirror[] = []): PixelGraph | { unchanged: string } {
  try {
    return rewrite(model, card, mirrors);
  } catch (error) {
    // bytes that are not an ONNX model: onnxruntime, given the file itself, says so in its own words
    return { unchanged: (error as Error).message };
  }
}

function rewrite(model: Uint8Array, card: ModelCard, mirrors: readonly Mirror[]): PixelGraph | { unchanged: string } {
  const { channels, width, height, scale, mean, std, padValue } = card.input;
  if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) return { unchanged: `valeur de remplissage ${padValue} hors d'un octet` };
  const fields = readFields(model);
  const irVersion = fields.find((f) => f.number === 1)?.value ?? 0;
  const opset = fields.filter((f) => f.number === 8).map((f) => readFields(f.payload));
  const defaultOpset = opset.find((o) => ['', 'ai.onnx'].includes(stringOf(o, 1)));
  const version = defaultOpset?.find((f) => f.number === 2)?.value ?? 0;
  const graphs = fields.filter((f) => f.number === 7);
  if (irVersion < 4 || version < MIN_OPSET || graphs.length !== 1) return { unchanged: `version IR ${irVersion}, opset ${version}` };
  const graph = graphs[0]!;
  if (Buffer.from(graph.payload.buffer, graph.payload.byteOffset, graph.payload.length).includes('vigie.')) return { unchanged: 'le graphe emploie déjà des noms « vigie. »' };

  const graphFields = readFields(graph.payload);
  // onnxruntime finds those files only beside a path
  if (externalDataLocations(graphFields).length > 0) return { unchanged: 'poids dans un fichier à part (données externes ONNX), lus seulement à côté du fichier' };
  const input = graphFields.find((f) => f.number === 11 && inputName(f) === card.input.name);
  const declared = input && tensorSignature(input.payload);
  const [n, c, h, w] = declared?.shape ?? [];
  const fits = (dim: number | string | undefined, size: number) => typeof dim === 'string' || dim === size;
  if (!declared || declared.type !== 'float32' || declared.shape.length !== 4 || !fits(n, 1) || c !== channels || !fits(h, height) || !fits(w, width)) {
    return { unchanged: `entrée « ${card.input.name} » autre que float32 [1, ${channels}, ${height}, ${width}]` };
  }
  // (pixel × scale − mean) / std as one multiply and one add per channel; the add is left out where it changes
  // nothing, and so is the multiply where it is a node of its own (YOLOX takes raw 0–255 values, Ultralytics
  // models only divide by 255)
  const gain = mean.map((_, k) => scale / std[k]!);
  const offset = mean.map((m, k) => -m / std[k]!);
  const shifted = offset.some((o) => o !== 0);
  // HWC → CHW first, on bytes (a quarter of the floats' traffic); then the cast and the multiply in one node where
  // the opset has DequantizeLinear with a scale per channel, in two before
  const perChannel = version >= DEQUANTIZE_OPSET;
  const steps: { op: string; inputs?: string[]; attributes?: NodeAttribute[] }[] = [
    { op: 'Transpose', attributes: [{ name: 'perm', ints: [0, 3, 1, 2] }] },
    ...(perChannel
      ? [{ op: 'DequantizeLinear', inputs: ['vigie.gain'], attributes: [{ name: 'axis', int: 1 }] }]
      : [{ op: 'Cast', attributes: [{ name: 'to', int: ONNX_TYPE.float }] }, ...(gain.some((g) => g !== 1) ? [{ op: 'Mul', inputs: ['vigie.gain'] }] : [])]),
    ...(shifted ? [{ op: 'Add', inputs: ['vigie.offset'] }] : []),
  ];
  // each step reads the one before; the last writes the model's input
  const names = steps.map((_, k) => (k === steps.length - 1 ? card.input.name : `vigie.step${k}`));
  const added = [
    ...steps.map((step, k) => messageField(1, [node(step.op, `vigie.${step.op.toLowerCase()}`, [k === 0 ? PIXEL_INPUT : names[k - 1]!, ...(step.inputs ?? [])], [names[k]!], step.attributes)])),
    ...(steps.some((step) => step.inputs?.includes('vigie.gain')) ? [messageField(5, [floatTensor('vigie.gain', perChannel ? [channels] : [1, channels, 1, 1], gain)])] : []),
    ...(shifted ? [messageField(5, [floatTensor('vigie.offset', [1, channels, 1, 1], offset)])] : []),
    messageField(11, [valueInfo(PIXEL_INPUT, ONNX_TYPE.uint8, [1, height, width, channels])]),
  ];
  // the new nodes first, so the node list stays in topological order; the model's input is now computed
  let kept = graphFields.filter((f) => f !== input).map((f) => f.raw);
  const passes = mirrors.length > 0 && version >= MIRROR_OPSET ? mirroredPasses(graphFields, card, mirrors) : undefined;
  if (passes) kept = [...passes, ...graphFields.filter((f) => f !== input && ![1, 13].includes(f.number)).map((f) => f.raw)];
  // segmentation: the argmax over the (summed) logits too, which the decoder needs at output resolution
  const argmax =
    card.output.format === 'segmentation-logits' && card.classes.length <= 255
      ? [
          messageField(1, [node('ArgMax', 'vigie.argmax', [card.output.name], ['vigie.argmax'], [{ name: 'axis', int: 1 }, { name: 'keepdims', int: 0 }])]),
          messageField(1, [node('Cast', 'vigie.classes', ['vigie.argmax'], [CLASS_OUTPUT], [{ name: 'to', int: ONNX_TYPE.uint8 }])]),
          messageField(12, [valueInfo(CLASS_OUTPUT, ONNX_TYPE.uint8)]),
        ]
      : [];
  const rewritten = messageField(7, [...added, ...kept, ...argmax]);
  const bytes = concatBytes([...fields.slice(0, fields.indexOf(graph)).map((f) => f.raw), rewritten, ...fields.slice(fields.indexOf(graph) + 1).map((f) => f.raw)]);
  return { bytes, input: declared, mirrored: passes !== undefined };
}

/**
 * The card's mirrored passes inside the graph: the model's nodes once per pass, each copy reading its mirror of the
 * input (Slice with step −1) and its output mirrored back, then their sum under the model's output name — what
 * Vigie otherwise does in JavaScript around one run per pass, where adding the mirrored logits back alone took
 * 3 ms a pass. The copies share the weights. Undefined (passes left to JavaScript) when the graph has more than the
 * card's output, or nodes with subgraphs, whose inner names a copy would have to follow.
 */
function mirroredPasses(graphFields: WireField[], card: ModelCard, mirrors: readonly Mirror[]): Uint8Array[] | undefined {
  const outputs = graphFields.filter((f) => f.number === 12);
  if (outputs.length !== 1 || inputName(outputs[0]!) !== card.output.name) return undefined;
  const nodes = graphFields.filter((f) => f.number === 1).map((f) => readFields(f.payload));
  const hasSubgraph = (n: WireField[]) => n.some((f) => f.number === 5 && readFields(f.payload).some((a) => a.number === 6 || a.number === 11));
  if (nodes.some(hasSubgraph)) return undefined;
  const produced = new Set(nodes.flatMap((n) => n.filter((f) => f.number === 2).map((f) => utf8(f.payload))));
  const modelInput = card.input.name;
  const added: Uint8Array[] = [];
  const passOutputs: string[] = [];
  [undefined, ...mirrors].forEach((mirror, pass) => {
    const prefix = `vigie.pass${pass}/`;
    const source = mirror ? `${prefix}${modelInput}` : modelInput;
    const rename = (name: string) => (name === modelInput ? source : produced.has(name) ? prefix + name : name);
    if (mirror) added.push(...flipNodes(`vigie.pass${pass}.mirror`, modelInput, source, mirror));
    nodes.forEach((n, k) => {
      const name = stringOf(n, 3) || `node${k}`;
      const fields = n.map((f) => (f.number === 1 || f.number === 2 ? stringField(f.number, f.payload.length > 0 ? rename(utf8(f.payload)) : '') : f.number === 3 ? undefined : f.raw));
      added.push(messageField(1, [...fields.filter((f): f is Uint8Array => f !== undefined), stringField(3, prefix + name)]));
    });
    const output = rename(card.output.name);
    if (mirror) added.push(...flipNodes(`vigie.pass${pass}.back`, output, `vigie.pass${pass}`, mirror));
    passOutputs.push(mirror ? `vigie.pass${pass}` : output);
  });
  added.push(messageField(1, [node('Sum', 'vigie.sum', passOutputs, [card.output.name])]));
  return added;
}

/** `from` mirrored into `to` along the image axes of [1, C, H, W] (W for x, H for y): Slice with step −1, and its constants. */
function flipNodes(name: string, from: string, to: string, mirror: Mirror): Uint8Array[] {
  const axes = [...(mirror.y ? [2n] : []), ...(mirror.x ? [3n] : [])];
  // from the last element, stepping back past the first (an end below −size clamps to "before index 0")
  const constants = { starts: axes.map(() => -1n), ends: axes.map(() => -(2n ** 63n) + 1n), axes, steps: axes.map(() => -1n) };
  return [
    messageField(1, [node('Slice', name, [from, ...Object.keys(constants).map((k) => `${name}.${k}`)], [to])]),
    ...Object.entries(constants).map(([k, values]) => messageField(5, [int64Tensor(`${name}.${k}`, values)])),
  ];
}

function inputName(field: WireField): string {
  return stringOf(readFields(field.payload), 1);
}

/** onnx.proto's element types, named as onnxruntime names them */
const ELEMENT_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64' };

/** A ValueInfoProto's tensor type, as `sessionSignature` gives it; undefined for anything else. */
function tensorSignature(valueInfo: Uint8Array): ValueSignature | undefined {
  const fields = readFields(valueInfo);
  const type = fields.find((f) => f.number === 2);
  const tensor = type && readFields(type.payload).find((f) => f.number === 1);
  if (!tensor) return undefined;
  const tensorFields = readFields(tensor.payload);
  const elemType = tensorFields.find((f) => f.number === 1)?.value ?? 0;
  const shape = tensorFields.find((f) => f.number === 2);
  const dims = shape
    ? readFields(shape.payload)
        .filter((f) => f.number === 1)
        .map((d) => {
          const dim = readFields(d.payload);
          const value = dim.find((f) => f.number === 1);
          return value ? value.value : stringOf(dim, 2);
        })
    : [];
  return { name: stringOf(fields, 1), type: ELEMENT_TYPES[elemType] ?? `type ${elemType}`, shape: dims };
}
