import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { VigieError } from '@vigie/api/errors';

export interface SessionPoolOptions {
  /** sessions run concurrently; default one per core */
  sessions?: number;
  /**
   * threads each session uses inside an operator. Default: the cores shared out between sessions
   * (1 with one session per core), so N sessions never oversubscribe the machine.
   */
  intraOpNumThreads?: number;
}

export type Feeds = Record<string, ort.Tensor>;
export type Outputs = ort.InferenceSession.ReturnType;

/**
 * A fixed set of onnxruntime sessions over one model. `run` takes an idle session or waits in FIFO
 * order for one: throughput scales with cores without a thread pool fighting another.
 */
export class SessionPool {
  private readonly idle: ort.InferenceSession[];
  private readonly waiting: Array<(session: ort.InferenceSession) => void> = [];
  private closed = false;

  private constructor(
    readonly sessions: readonly ort.InferenceSession[],
    readonly intraOpNumThreads: number,
  ) {
    this.idle = [...sessions];
  }

  static async create(onnxPath: string, options: SessionPoolOptions = {}): Promise<SessionPool> {
    const cores = availableParallelism();
    const size = Math.max(1, Math.floor(options.sessions ?? cores));
    const threads = Math.max(1, Math.floor(options.intraOpNumThreads ?? cores / size));
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    let sessions: ort.InferenceSession[];
    try {
      // One after the other: creating sessions in parallel only competes for the same cores.
      sessions = [];
      for (let i = 0; i < size; i++) sessions.push(await ort.InferenceSession.create(onnxPath, sessionOptions));
    } catch (error) {
      throw new VigieError('invalid_model_file', `Modèle ONNX illisible (${onnxPath}) : ${(error as Error).message}.`);
    }
    return new SessionPool(sessions, threads);
  }

  get size(): number {
    return this.sessions.length;
  }

  /** Sessions busy right now and callers waiting for one, for progress and metrics. */
  get load(): { busy: number; waiting: number } {
    return { busy: this.sessions.length - this.idle.length, waiting: this.waiting.length };
  }

  async run(feeds: Feeds): Promise<Outputs> {
    const session = await this.acquire();
    try {
      return await session.run(feeds);
    } finally {
      this.releaseSession(session);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.sessions.map((s) => s.release()));
  }

  private acquire(): Promise<ort.InferenceSession> {
    if (this.closed) return Promise.reject(new VigieError('model_closed', 'Le modèle a été déchargé.', 500));
    const session = this.idle.pop();
    if (session) return Promise.resolve(session);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSession(session: ort.InferenceSession): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.idle.push(session);
  }
}
