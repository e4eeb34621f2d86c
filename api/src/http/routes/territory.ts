import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../auth/guard';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';
import { parseParams } from '../validate';

/** Web Mercator tile address of an orthophoto tile; y arrives as "<y>.webp". */
const TileParams = z.object({
  year: z.coerce.number().int().min(1950).max(2100),
  z: z.coerce.number().int().min(0).max(24),
  x: z.coerce.number().int().min(0),
  y: z.string().regex(/^[0-9]{1,8}\.webp$/),
});

/** What the map reads about the signed-in user's territory: communes, vintages, orthophoto tiles, models. */
export const territory = new Hono<AppEnv>()
  .get('/communes', requireRole('viewer'), async (c) => {
    const rows = await c
      .get('deps')
      .db.selectFrom('commune')
      .select(['insee', 'name', 'geometry', 'areaM2', 'population'])
      .where('authorityId', '=', c.get('user').authorityId)
      .orderBy('insee')
      .execute();
    return c.json({
      type: 'FeatureCollection',
      features: rows.map((r) => ({
        type: 'Feature',
        id: r.insee,
        geometry: r.geometry,
        properties: { insee: r.insee, name: r.name, areaM2: r.areaM2, population: r.population },
      })),
    });
  })
  .get('/vintages', requireRole('viewer'), async (c) => {
    const db = c.get('deps').db;
    const authorityId = c.get('user').authorityId;
    const vintages = await db
      .selectFrom('vintage')
      .select(['id', 'year', 'label', 'acquisitionDate'])
      .where('authorityId', '=', authorityId)
      .orderBy('year')
      .execute();
    // a vintage has an orthophoto on the map once its ortho tiling run has succeeded
    const tiled = await db
      .selectFrom('run')
      .select('vintageId')
      .distinct()
      .where('authorityId', '=', authorityId)
      .where('useCase', '=', 'ortho')
      .where('status', '=', 'succeeded')
      .execute();
    const withOrtho = new Set(tiled.map((r) => r.vintageId));
    return c.json(vintages.map((v) => ({ ...v, hasOrtho: withOrtho.has(v.id) })));
  })
  .get('/imagery/tiles/:year/:z/:x/:y', requireRole('viewer'), async (c) => {
    const { year, z: zoom, x, y } = parseParams(c, TileParams);
    const row = Number.parseInt(y, 10);
    if (x >= 2 ** zoom || row >= 2 ** zoom) throw new VigieError('not_found', 'Tuile hors de la grille.', 404);
    const { db, storage } = c.get('deps');
    const authorityId = c.get('user').authorityId;
    const vintage = await db
      .selectFrom('vintage')
      .select('id')
      .where('authorityId', '=', authorityId)
      .where('year', '=', year)
      .executeTakeFirst();
    if (!vintage) throw new VigieError('not_found', `Aucun millésime ${year} pour ce territoire.`, 404);
    const tile = await storage.get(`tiles/ortho/${authorityId}/${vintage.id}/${zoom}/${x}/${row}.webp`);
    if (!tile) throw new VigieError('not_found', 'Tuile d’orthophoto absente.', 404);
    return c.body(new Uint8Array(tile), 200, { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=3600' });
  })
  // models are shared by every territory: the catalogue is not scoped
  .get('/models', requireRole('viewer'), async (c) => {
    const rows = await c.get('deps').db.selectFrom('model').select(['id', 'version', 'task', 'card']).orderBy('id').execute();
    return c.json(rows);
  });
