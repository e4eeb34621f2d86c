import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@vigie/api/config';
import { type Platform, openPlatform } from '@vigie/api/platform';
import { listModelFolders, registerShippedModels } from '@vigie/workers/models';
import { testEnv } from '../../support/stack';

const SHIPPED = resolve(import.meta.dirname, '../../../../models');

describe('registerShippedModels (embedded PostgreSQL)', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await openPlatform(loadConfig({ ...process.env, ...(await testEnv()) }), { applicationName: 'vigie-test', queue: { supervise: false } });
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('upserts every models/<id>/ card into the model table, idempotently', async () => {
    const folders = await listModelFolders(SHIPPED);
    const first = await registerShippedModels(platform.db, SHIPPED);
    const again = await registerShippedModels(platform.db, SHIPPED);
    expect(again).toEqual(first);
    const rows = await platform.db.selectFrom('model').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(folders.map((f) => f.card.id));
    for (const row of rows) {
      const folder = folders.find((f) => f.card.id === row.id)!;
      expect(row).toMatchObject({ version: folder.card.version, task: folder.card.task, filePath: folder.onnxPath, sha256: folder.card.sha256 });
      // the card reads back as stored, nested keys included (a card's per-class figures are keyed sol_nu, not solNu)
      expect(row.card).toEqual(folder.raw);
    }
  });
});
