import type { Platform } from '@vigie/api/platform';

/** Generates the demo territory if missing and loads it into the database. */
export async function loadDemo(_platform: Platform): Promise<void> {
  // filled in once the generator lands
}
