export * from './projection';
export * from './geotransform';
