import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertSafeKey, fileStorage } from '@vigie/api/storage';
import { TRAVERSAL_KEYS } from '../../integration/security/support';


describe('storage keys', () => {
  it.each(TRAVERSAL_KEYS)('refuses %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(expect.objectContaining({ code: 'invalid_path', status: 400 }));
  });

  it.each(['tiles/ortho/3/18/1/2.jpg', 'chips/run-1/0_0.png', 'thumbs/a...b.webp', 'x'])('accepts %j', (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-store-'));
  const store = fileStorage(path.join(root, 'files'));
  fs.writeFileSync(path.join(root, 'secret'), 'secret');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('never reads, writes or deletes outside its root', async () => {
    for (const key of TRAVERSAL_KEYS) {
      await expect(store.get(key), key).rejects.toMatchObject({ code: 'invalid_path' });
      await expect(store.put(key, new Uint8Array([1])), key).rejects.toMatchObject({ code: 'invalid_path' });
      await expect(store.removePrefix(key), key).rejects.toMatchObject({ code: 'invalid_path' });
      await expect(store.exists(key), key).resolves.toBe(false);
    }
    expect(fs.readFileSync(path.join(root, 'secret'), 'utf8')).toBe('secret');
    expect(fs.readdirSync(root)).toEqual(['secret']);
  });
});
