/** Affluence: sensors, frame counting in memory, counts and their aggregates, public publishing. */
export * from './keys';
export * from './occupancy';
export * from './sensors';
export * from './counts';
export * from './frames';
export * from './preview';
export * from './ingest';
export * from './publication';
export * from './page';
export * from './pending';
