/**
 * Just enough of the protobuf wire format to rewrite an ONNX graph in memory: split a message into its fields
 * (kept as raw bytes, so what is not touched is copied as it was), and write the few ONNX messages Vigie adds.
 * Field numbers are those of onnx/onnx.proto.
 */

/** One field of a message: its number, wire type, the whole field's bytes and, for length-delimited fields, its payload. */
export interface WireField {
  number: number;
  wireType: number;
  raw: Uint8Array;
  payload: Uint8Array;
  /** the value of a varint field */
  value: number;
}

/** The top-level fields of a message, in file order. Throws on bytes that are not protobuf. */
export function readFields(message: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      if (at >= message.length) throw new Error('message protobuf tronqué');
      const byte = message[at++]!;
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
      if (shift > 2 ** 63) throw new Error('entier protobuf trop long');
    }
  };
  while (at < message.length) {
    const start = at;
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payload = message.subarray(at, at);
    let value = 0;
    if (wireType === 0) value = varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      payload = message.subarray(at, at + length);
      at += length;
    } else throw new Error(`type de champ protobuf ${wireType} non pris en charge`);
    if (at > message.length || number === 0) throw new Error('message protobuf invalide');
    fields.push({ number, wireType, raw: message.subarray(start, at), payload, value });
  }
  return fields;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
export const utf8 = (bytes: Uint8Array) => decoder.decode(bytes);

/** The string field `number` of a message's fields, '' when absent. */
export const stringOf = (fields: readonly WireField[], number: number) => utf8(fields.find((f) => f.number === number)?.payload ?? new Uint8Array());

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function varintBytes(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`entier protobuf non représentable : ${value}`);
  const bytes: number[] = [];
  for (; value >= 128; value = Math.floor(value / 128)) bytes.push((value % 128) | 0x80);
  bytes.push(value);
  return bytes;
}

export const varintField = (number: number, value: number) => Uint8Array.from([...varintBytes(number * 8), ...varintBytes(value)]);

export function bytesField(number: number, payload: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.from([...varintBytes(number * 8 + 2), ...varintBytes(payload.length)]), payload]);
}

export const stringField = (number: number, text: string) => bytesField(number, encoder.encode(text));
export const messageField = (number: number, fields: readonly Uint8Array[]) => bytesField(number, concatBytes(fields));

/**
 * The files a model's weights lie in besides the model itself (ONNX external data: each initializer's
 * `external_data` entry "location", a path relative to the model's folder), in order, each once.
 */
export function externalDataFiles(model: Uint8Array): string[] {
  const graph = readFields(model).find((f) => f.number === 7);
  return graph ? externalDataLocations(readFields(graph.payload)) : [];
}

/** The same, from a GraphProto's fields already read. */
export function externalDataLocations(graphFields: readonly WireField[]): string[] {
  const locations = graphFields
    .filter((f) => f.number === 5)
    .flatMap((tensor) => readFields(tensor.payload).filter((f) => f.number === 13))
    .map((entry) => readFields(entry.payload))
    .filter((entry) => stringOf(entry, 1) === 'location')
    .map((entry) => stringOf(entry, 2));
  return [...new Set(locations)];
}

/** onnx.proto's TensorProto.DataType values used here */
export const ONNX_TYPE = { float: 1, uint8: 2, int64: 7 } as const;

/** ValueInfoProto of a tensor: name, element type and static dims (no shape at all without dims). */
export function valueInfo(name: string, elemType: number, dims?: readonly number[]): Uint8Array {
  const shape = dims ? [messageField(2, dims.map((d) => messageField(1, [varintField(1, d)])))] : [];
  const tensorType = messageField(1, [varintField(1, elemType), ...shape]);
  return concatBytes([stringField(1, name), messageField(2, [tensorType])]);
}

/** TensorProto of float32 values (raw_data, little-endian). */
export function floatTensor(name: string, dims: readonly number[], values: readonly number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return concatBytes([...dims.map((d) => varintField(1, d)), varintField(2, ONNX_TYPE.float), stringField(8, name), bytesField(9, raw)]);
}

/** TensorProto of int64 values (raw_data, little-endian). */
export function int64Tensor(name: string, values: readonly bigint[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return concatBytes([varintField(1, values.length), varintField(2, ONNX_TYPE.int64), stringField(8, name), bytesField(9, raw)]);
}

export type NodeAttribute = { name: string; int: number } | { name: string; ints: readonly number[] };

/** NodeProto of the default domain. */
export function node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly NodeAttribute[] = []): Uint8Array {
  const attribute = (a: NodeAttribute) =>
    'int' in a
      ? messageField(5, [stringField(1, a.name), varintField(20, 2), varintField(3, a.int)])
      : messageField(5, [stringField(1, a.name), varintField(20, 7), ...a.ints.map((i) => varintField(8, i))]);
  return concatBytes([
    ...inputs.map((i) => stringField(1, i)),
    ...outputs.map((o) => stringField(2, o)),
    stringField(3, name),
    stringField(4, opType),
    ...attributes.map(attribute),
  ]);
}
