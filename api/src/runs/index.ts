export * from './progress';
export * from './queries';
