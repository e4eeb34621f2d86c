/** Vigie's model registry (models/<id>/ folders and the `model` table) and held-out evaluation. */
export * from './registry';
export * from './evaluate';
