export { generateDemoTerritory, ensureDemoTerritory, readManifest, demoGeoTransform, GENERATOR_VERSION, DEMO_GSD, DEMO_TILE } from './territory';
export type { DemoManifest, DemoVintage, DemoOptions, Progress } from './territory';
export { generateTrainingSet, sceneSeedFor, SPLIT_SEED_BASE, CHIP_SIZE, CHIP_GSD } from './training';
export type { TrainingOptions, TrainingMeta, TrainingTask, TrainingSplit, ChipMeta } from './training';
export { LANDCOVER_CLASSES, LC, landcoverColor } from './landcover';
export type { LandcoverClass, LandcoverKey } from './landcover';
export { DEMO_COMMUNES } from './territory/communes';
export type { CameraInfo, FrameTruth } from './frames/render';
export { FRAME_WIDTH, FRAME_HEIGHT } from './frames/scene';
