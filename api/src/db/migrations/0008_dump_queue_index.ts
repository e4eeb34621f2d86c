import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * The review queue's order (best score first) as an index: a page of the queue then reads its rows from the index
 * instead of sorting every detection of the authority for each page (0.1 to 0.2 s a page at 50,000 detections).
 */
export async function up(db: Db): Promise<void> {
  await db.schema.createIndex('dump_detection_queue').on('dump_detection').columns(['authority_id', 'score desc', 'id']).execute();
}
