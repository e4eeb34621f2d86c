import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStorage } from '@vigie/api/storage';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-storage-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('file storage', () => {
  it('takes concurrent writes of one key (two finalises of a run): each succeeds, one whole file stays, no temporary file', async () => {
    const storage = fileStorage(root);
    const payloads = Array.from({ length: 16 }, (_, i) => new Uint8Array(64 * 1024).fill(i));
    await Promise.all(payloads.map((bytes) => storage.put('tiles/zan/1/3/run/13/4140/2809.png', bytes)));
    const stored = await storage.get('tiles/zan/1/3/run/13/4140/2809.png');
    expect(stored).toHaveLength(64 * 1024);
    expect(new Set(stored)).toHaveProperty('size', 1); // one writer's bytes, not a mix
    expect(fs.readdirSync(path.join(root, 'tiles/zan/1/3/run/13/4140'))).toEqual(['2809.png']);
  });
});
