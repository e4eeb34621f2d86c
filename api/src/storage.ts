import fs from 'node:fs/promises';
import path from 'node:path';
import { VigieError, diskFull, isDiskFull } from './errors';

/**
 * Where chips, thumbnails and tile pyramids live. Keys are relative slash paths ("tiles/ortho/3/18/1/2.jpg");
 * a file system under VIGIE_DATA_DIR today, an S3-compatible store could implement the same interface.
 */
export interface Storage {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  removePrefix(prefix: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** Refuses anything that could leave the store: "..", absolute paths, backslashes, odd characters. */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new VigieError('invalid_path', `Chemin de fichier refusé : ${JSON.stringify(key).slice(0, 80)}`, 400);
  }
}

export function fileStorage(root: string): Storage {
  // writes of one file in this process, one after the other: they share its temporary name
  const writing = new Map<string, Promise<void>>();
  const resolve = (key: string) => {
    assertSafeKey(key);
    return path.join(root, ...key.split('/'));
  };
  return {
    async put(key, bytes) {
      const file = resolve(key);
      const write = (writing.get(file) ?? Promise.resolve()).catch(() => {}).then(() => writeWhole(file, bytes));
      writing.set(file, write);
      try {
        await write;
      } finally {
        if (writing.get(file) === write) writing.delete(file);
      }
    },
    async get(key) {
      try {
        return await fs.readFile(resolve(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async exists(key) {
      try {
        await fs.access(resolve(key));
        return true;
      } catch {
        return false;
      }
    },
    async removePrefix(prefix) {
      await fs.rm(resolve(prefix), { recursive: true, force: true });
    },
  };
}

/** Write then rename: a reader never sees half a file, a killed worker leaves no torn file. */
async function writeWhole(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    await fs.rm(tmp, { force: true }).catch(() => {}); // what was written of it frees space
    throw diskFull();
  }
}
