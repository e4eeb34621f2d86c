// One onnxruntime session in its own thread. onnxruntime-node runs `session.run` synchronously on
// the calling thread, so sessions in one thread never overlap: the pool puts each in a worker.
// Plain JavaScript so that it starts the same under tsx, vitest and node.
// With `graph` (the model rewritten to take pixels, see pixel-graph.ts) the file itself opens only when a run asks
// for it (`plain`: an image that is not 8-bit).
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const { onnxPath, graph, sessionOptions } = workerData;

const metadata = (values) =>
  values.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));

let session;
let plain;
try {
  session = await ort.InferenceSession.create(graph ?? onnxPath, sessionOptions);
  parentPort.postMessage({ type: 'ready', inputMetadata: metadata(session.inputMetadata), outputMetadata: metadata(session.outputMetadata) });
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

parentPort.on('message', async (message) => {
  if (message.type === 'close') {
    await session?.release();
    // a file that failed to open has nothing to release
    await (await plain?.catch(() => undefined))?.release();
    parentPort.close();
    return;
  }
  const { id, feeds } = message;
  try {
    if (message.plain && graph) plain ??= ort.InferenceSession.create(onnxPath, sessionOptions);
    const target = message.plain && graph ? await plain : session;
    const tensors = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type, t.data, t.dims);
    const outputs = await target.run(tensors);
    const result = {};
    const transfer = [];
    for (const [name, t] of Object.entries(outputs)) {
      result[name] = { type: t.type, data: t.data, dims: [...t.dims] };
      if (ArrayBuffer.isView(t.data) && !transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
    }
    // The input buffers go back to the caller, who reuses them for the next image.
    for (const t of Object.values(feeds)) if (ArrayBuffer.isView(t.data) && !transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
    parentPort.postMessage({ type: 'result', id, outputs: result, inputs: feeds }, transfer);
  } catch (error) {
    parentPort.postMessage({ type: 'result', id, error: error instanceof Error ? error.message : String(error) });
  }
});
