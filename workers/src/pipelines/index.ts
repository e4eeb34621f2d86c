import type { UseCase } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { dumpsPipeline } from './dumps';
import { orthoPipeline } from './ortho';
import type { Pipeline } from './pipeline';
import { zanPipeline } from './zan';

const pipelines: Partial<Record<UseCase, Pipeline>> = {
  ortho: orthoPipeline,
  dumps: dumpsPipeline,
  zan: zanPipeline,
};

export function pipelineFor(useCase: UseCase): Pipeline {
  const pipeline = pipelines[useCase];
  if (!pipeline) throw new VigieError('unknown_use_case', `Cas d’usage non disponible : ${useCase}`);
  return pipeline;
}

export { parseChipKey } from './area';
export { orthoTileKey } from './ortho';
export { FINALISE_BYTES_PER_PIXEL } from './zan';
