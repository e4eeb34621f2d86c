import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

/**
 * Stored nomenclatures were numbered after the 2022 annex (8 categories); the 2023 annex to art. R101-1
 * has ten, with 5° for construction sites, so every non-artificialised category moves. Only the shipped
 * classes still on their old default move: a category an authority chose itself is kept.
 */
const RENUMBERED: Record<string, [from: number, to: number]> = {
  sol_nu: [5, 6],
  eau: [5, 6],
  prairies: [6, 7],
  cultures: [6, 7],
  coniferes: [7, 8],
  feuillus: [7, 8],
  broussailles: [8, 9],
};

interface StoredClass { key?: string; category?: number }

export async function up(db: Db): Promise<void> {
  // aliased: the connection's camel-case plugin renames result columns, not `id`
  const rows = await db.selectFrom('zan_setting').select(['authority_id as id', 'nomenclature']).execute();
  for (const row of rows) {
    const nomenclature = row.nomenclature as { classes?: StoredClass[] };
    let changed = false;
    for (const c of nomenclature.classes ?? []) {
      const move = c.key ? RENUMBERED[c.key] : undefined;
      if (move && c.category === move[0]) {
        c.category = move[1];
        changed = true;
      }
    }
    if (changed) await db.updateTable('zan_setting').set({ nomenclature: JSON.stringify(nomenclature) }).where('authority_id', '=', row.id).execute();
  }
}

export async function down(): Promise<void> {
  // the old numbering is not restored: it contradicts the annex in force
}
