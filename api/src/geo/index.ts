export * from './projection';
export * from './geotransform';
export * from './chip-grid';
export * from './web-tiles';
export * from './area';
export * from './tiff-window';
export * from './bands';
