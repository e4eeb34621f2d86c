import { z } from 'zod';

/**
 * The land-cover nomenclature an authority applies: for each model class, its category of the
 * décret 2023-1096 (art. R101-1 du code de l'urbanisme), whether it counts as artificialised and as
 * sealed, and the reference thresholds applied to connected regions. Configurable per authority; the
 * default comes from the class table (data/landcover-classes.json) of the shipped model.
 */
/**
 * Default `regionGapM`: the crown of a roadside tree, 6 to 10 m across, hides the road under it from the
 * orthophoto, and two crowns meeting over a road hide 10 to 15 m of it; that must not cut the road into pieces
 * that each fall under 2,500 m².
 */
export const REGION_GAP_M = 12;

export const NomenclatureClass = z.object({
  id: z.number().int().min(0).max(254),
  key: z.string().min(1).max(60),
  label: z.string().min(1).max(200),
  /** OCS GE couverture code, for the legend */
  ocsge: z.string().max(30).default(''),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  category: z.number().int().min(1).max(10),
  artificialised: z.boolean(),
  sealed: z.boolean(),
});
export type NomenclatureClass = z.infer<typeof NomenclatureClass>;

export const Nomenclature = z
  .object({
    classes: z.array(NomenclatureClass).min(1).max(255),
    /** a built region (category 1°) below this footprint is not counted as built */
    builtMinM2: z.number().min(0).max(10_000).default(50),
    /** a region sealed by a covering (category 2°) below this area is not counted as sealed */
    sealedMinM2: z.number().min(0).max(100_000).default(2500),
    /**
     * pieces of a sealed covering (2°) at most this far apart (m) are one region for its threshold: a road is
     * not cut below 2,500 m² by a tree crown over it or by a strip the model misread
     */
    regionGapM: z.number().min(0).max(20).default(REGION_GAP_M),
  })
  .superRefine((n, ctx) => {
    const ids = new Set(n.classes.map((c) => c.id));
    if (ids.size !== n.classes.length) ctx.addIssue({ code: 'custom', path: ['classes'], message: 'identifiant de classe en double' });
  });
export type Nomenclature = z.infer<typeof Nomenclature>;

/**
 * A nomenclature as an authority sets it (PUT): the flags must follow the category, as the annex to
 * art. R101-1 does (1° to 5° artificialised, 1° and 2° sealed). Stored ones are read with `Nomenclature`.
 */
export const NomenclatureInput = Nomenclature.superRefine((n, ctx) => {
  n.classes.forEach((c, i) => {
    if (c.artificialised !== c.category <= 5) {
      ctx.addIssue({ code: 'custom', path: ['classes', i, 'artificialised'], message: `« ${c.label} » : la catégorie ${c.category}° ${c.category <= 5 ? 'est' : 'n’est pas'} artificialisée (annexe à l’article R101-1)` });
    }
    if (c.sealed !== c.category <= 2) {
      ctx.addIssue({ code: 'custom', path: ['classes', i, 'sealed'], message: `« ${c.label} » : seules les catégories 1° et 2° sont imperméabilisées, et elles le sont toujours` });
    }
  });
});


/** Category of the built threshold (50 m²) and of the sealed-covering threshold (2,500 m²). */
export const BUILT_CATEGORY = 1;
export const SEALED_CATEGORY = 2;

/** Per class id (0..255), the flags the raster passes read: one lookup per pixel. */
export interface ClassLookup {
  artificialised: Uint8Array;
  sealed: Uint8Array;
  category: Uint8Array;
}

export function classLookup(nomenclature: Nomenclature): ClassLookup {
  const lookup = { artificialised: new Uint8Array(256), sealed: new Uint8Array(256), category: new Uint8Array(256) };
  for (const c of nomenclature.classes) {
    lookup.artificialised[c.id] = c.artificialised ? 1 : 0;
    lookup.sealed[c.id] = c.sealed ? 1 : 0;
    lookup.category[c.id] = c.category;
  }
  return lookup;
}

export const classById = (nomenclature: Nomenclature) => new Map(nomenclature.classes.map((c) => [c.id, c]));
