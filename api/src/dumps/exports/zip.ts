import { crc32 } from 'node:zlib';
import { VigieError } from '../../errors';

/**
 * A tiny streaming ZIP writer, "stored" method (no compression): the entries are PNG chips and short text
 * files that deflate would not shrink, and it spares a dependency. Each entry is complete in memory when
 * written, so sizes and CRC go in the local header (no data descriptors), and only one chip is held at a time.
 * Classic ZIP (no ZIP64): at most 65 535 entries and 4 GiB, refused beyond.
 */
export interface ZipEntry {
  /** slash-separated path inside the archive (UTF-8) */
  name: string;
  bytes: Uint8Array;
}

const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;

export function zipStream(entries: AsyncIterable<ZipEntry>, modified = new Date()): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  const central: Buffer[] = [];
  const { time, date } = dosDateTime(modified);
  let offset = 0;
  let count = 0;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      const next = await iterator.next();
      if (next.done) {
        done = true;
        controller.enqueue(endOfCentralDirectory(central, count, offset));
        controller.close();
        return;
      }
      const { name, bytes } = next.value;
      const fileName = Buffer.from(name, 'utf8');
      const crc = crc32(bytes);
      if (count + 1 > MAX_ENTRIES || offset + 30 + fileName.length + bytes.length > MAX_OFFSET) {
        throw new VigieError('archive_too_large', 'Archive trop volumineuse pour le format ZIP classique ; exportez moins de données à la fois.', 413);
      }
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(10, 4); // version needed: 1.0, stored
      local.writeUInt16LE(0x0800, 6); // names are UTF-8
      local.writeUInt16LE(0, 8); // stored
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(bytes.length, 18);
      local.writeUInt32LE(bytes.length, 22);
      local.writeUInt16LE(fileName.length, 26);
      local.writeUInt16LE(0, 28);

      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(20, 4); // made by: 2.0
      header.writeUInt16LE(10, 6);
      header.writeUInt16LE(0x0800, 8);
      header.writeUInt16LE(0, 10);
      header.writeUInt16LE(time, 12);
      header.writeUInt16LE(date, 14);
      header.writeUInt32LE(crc, 16);
      header.writeUInt32LE(bytes.length, 20);
      header.writeUInt32LE(bytes.length, 24);
      header.writeUInt16LE(fileName.length, 28);
      header.writeUInt32LE(offset, 42); // the rest (extra, comment, disk, attributes) stays 0
      central.push(header, fileName);

      controller.enqueue(Buffer.concat([local, fileName, bytes]));
      offset += 30 + fileName.length + bytes.length;
      count += 1;
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function endOfCentralDirectory(central: Buffer[], count: number, offset: number): Buffer {
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([directory, end]);
}

/** MS-DOS time and date (local time, 2-second resolution), as ZIP stores them. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
