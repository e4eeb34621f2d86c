import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { VigieError } from '@vigie/api/errors';

export interface SessionPoolOptions {
  /** sessions run concurrently, each in its own thread; default one per core */
  sessions?: number;
  /**
   * threads each session uses inside an operator. Default: the cores shared out between sessions
   * (1 with one session per core), so N sessions never oversubscribe the machine.
   */
  intraOpNumThreads?: number;
  /**
   * the model as the sessions should load it, when it differs from the file (rewritten to take pixels: see
   * pixel-graph.ts); runs with `plain` then go to the file itself, opened in each thread at its first such run
   */
  graph?: Uint8Array;
}

export interface RunOptions {
  /** run the file as it is rather than the pool's `graph` */
  plain?: boolean;
}

export type Feeds = Record<string, ort.Tensor>;
export type Outputs = Record<string, ort.Tensor>;

export interface RunResult {
  outputs: Outputs;
  /** the feeds' tensors, handed back after a transferring run (their buffers can be reused) */
  inputs: Feeds;
}

/** Declared inputs and outputs of the graph, as onnxruntime reports them. */
export interface GraphMetadata {
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

interface WireTensor {
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

interface Job {
  id: number;
  feeds: Record<string, WireTensor>;
  plain: boolean;
  transfer: ArrayBuffer[];
  resolve: (result: RunResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * A fixed set of onnxruntime sessions over one model, one per worker thread: onnxruntime-node's
 * `run` blocks the thread that calls it, so sessions sharing a thread would take turns. `run` gives
 * the feeds to an idle session or queues them (FIFO) until one is free. The calling thread stays
 * free to prepare the next image meanwhile.
 */
export class SessionPool {
  private readonly idle: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly slots: Slot[],
    readonly metadata: GraphMetadata,
    readonly intraOpNumThreads: number,
    readonly onnxPath: string,
  ) {
    this.idle = [...slots];
    for (const slot of slots) this.listen(slot);
  }

  static async create(onnxPath: string, options: SessionPoolOptions = {}): Promise<SessionPool> {
    const cores = availableParallelism();
    const size = Math.max(1, Math.floor(options.sessions ?? cores));
    const threads = Math.max(1, Math.floor(options.intraOpNumThreads ?? cores / size));
    const started = await Promise.allSettled(Array.from({ length: size }, () => startWorker(onnxPath, sessionOptions(threads), options.graph)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.worker.terminate() : undefined)));
      throw new VigieError('invalid_model_file', `Modèle ONNX illisible (${onnxPath}) : ${(failed.reason as Error).message}.`);
    }
    const ready = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; metadata: GraphMetadata }>).value);
    return new SessionPool(ready.map(({ worker }) => ({ worker })), ready[0]!.metadata, threads, onnxPath);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Sessions busy right now and runs waiting for one, for progress and metrics. */
  get load(): { busy: number; waiting: number } {
    return { busy: this.slots.length - this.idle.length, waiting: this.queue.length };
  }

  /** Runs the feeds on the next free session. The feeds are copied and stay usable. */
  async run(feeds: Feeds, options: RunOptions = {}): Promise<Outputs> {
    return (await this.submit(feeds, false, options)).outputs;
  }

  /**
   * Same, but the feeds' buffers move to the session thread instead of being copied (they read as
   * empty meanwhile) and come back in `inputs`, ready to be refilled for the next image.
   */
  runTransferring(feeds: Feeds, options: RunOptions = {}): Promise<RunResult> {
    return this.submit(feeds, true, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(closedError());
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private submit(feeds: Feeds, transfer: boolean, { plain = false }: RunOptions): Promise<RunResult> {
    if (this.closed) return Promise.reject(closedError());
    const wire: Record<string, WireTensor> = {};
    const buffers: ArrayBuffer[] = [];
    for (const [name, tensor] of Object.entries(feeds)) {
      wire[name] = { type: tensor.type, data: tensor.data, dims: tensor.dims };
      const data = tensor.data as ArrayBufferView;
      if (transfer && data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
        buffers.push(data.buffer);
      }
    }
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, feeds: wire, plain, transfer: buffers, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const slot = this.idle.pop()!;
      const job = this.queue.shift()!;
      try {
        slot.worker.postMessage({ type: 'run', id: job.id, feeds: job.feeds, plain: job.plain }, job.transfer);
        slot.job = job;
      } catch (error) {
        // e.g. a feed whose buffer an earlier transferring run still holds
        this.idle.push(slot);
        job.reject(new VigieError('invalid_input_tensor', `Entrée du modèle inutilisable : ${(error as Error).message}.`, 500));
      }
    }
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (message: { type: string; outputs?: Record<string, WireTensor>; inputs?: Record<string, WireTensor>; error?: string }) => {
      if (message.type !== 'result') return;
      const job = slot.job;
      slot.job = undefined;
      this.idle.push(slot);
      if (job) {
        if (message.error !== undefined) {
          job.reject(new VigieError('inference_failed', `Échec de l'inférence (${this.onnxPath}) : ${message.error}.`, 500));
        } else {
          job.resolve({ outputs: toTensors(message.outputs ?? {}), inputs: toTensors(message.inputs ?? {}) });
        }
      }
      this.dispatch();
    });
    slot.worker.on('error', (error) => this.lose(slot, error));
    slot.worker.on('exit', () => this.lose(slot, new Error('fil de calcul arrêté')));
  }

  /** A session thread died: fail its run, and every queued run if none is left. */
  private lose(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const idleIndex = this.idle.indexOf(slot);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    if (this.closed) return;
    slot.job?.reject(new VigieError('inference_failed', `Échec de l'inférence (${this.onnxPath}) : ${error.message}.`, 500));
    slot.job = undefined;
    if (this.slots.length === 0) {
      this.closed = true;
      for (const job of this.queue.splice(0)) job.reject(closedError());
    }
  }
}

/** The options of every Vigie session, the pool's and the benchmarks' bare ones alike: only the thread count varies. */
export function sessionOptions(intraOpNumThreads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

function toTensors(wire: Record<string, WireTensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(wire)) out[name] = new ort.Tensor(t.type, t.data as Float32Array, t.dims);
  return out;
}

function closedError(): VigieError {
  return new VigieError('model_closed', 'Le modèle a été déchargé.', 500);
}

function startWorker(
  onnxPath: string,
  sessionOptions: ort.InferenceSession.SessionOptions,
  graph: Uint8Array | undefined,
): Promise<{ worker: Worker; metadata: GraphMetadata }> {
  const worker = new Worker(new URL('./session-worker.mjs', import.meta.url), { workerData: { onnxPath, graph, sessionOptions } });
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('message', (message: { type: string; message?: string } & GraphMetadata) => {
      worker.off('error', onError);
      if (message.type === 'ready') {
        resolve({ worker, metadata: { inputMetadata: message.inputMetadata, outputMetadata: message.outputMetadata } });
      } else {
        void worker.terminate();
        reject(new Error(message.message ?? 'session impossible à créer'));
      }
    });
  });
}
