import ort from 'onnxruntime-node';
import { sessionOptions } from './session-pool';

/**
 * A plain onnxruntime session on the caller's thread, with the pool's thread options: the reference
 * Vigie's own path is compared with in benchmarks (no worker threads, no preprocessing, no decoding).
 */
export async function openBareSession(onnxPath: string, intraOpNumThreads: number) {
  const session = await ort.InferenceSession.create(onnxPath, sessionOptions(intraOpNumThreads));
  return {
    run: (feeds: Record<string, ort.Tensor>) => session.run(feeds),
    release: () => session.release(),
  };
}
