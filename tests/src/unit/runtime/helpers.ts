import { parseModelCard, type ModelCard, type ModelCardInput } from '@vigie/workers/runtime';

/** A valid card to tweak per test. */
export function card(overrides: Partial<ModelCardInput> = {}, input: Partial<ModelCardInput['input']> = {}): ModelCard {
  return parseModelCard({
    id: 'test-model',
    version: '1.0.0',
    task: 'detection',
    input: {
      name: 'images',
      width: 64,
      height: 64,
      channels: 3,
      channelOrder: 'RGB',
      scale: '1/255',
      resize: 'letterbox-center',
      ...input,
    },
    output: { name: 'output0', format: 'yolov8' },
    classes: [
      { id: 0, name: 'dépôt' },
      { id: 1, name: 'pneus' },
    ],
    ...overrides,
  });
}

/** Identity transform for a source the size of the input. */
export const identity = (width = 64, height = 64) => ({ scaleX: 1, scaleY: 1, padX: 0, padY: 0, sourceWidth: width, sourceHeight: height });
