import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import { type Client, type TestStack, startStack } from '../../support/stack';
import { loginAs, seedTwoAuthorities } from '../security/support';
import { l93, seedDetection, seedRun, seedVintage } from './support';

/** OGC API – Features as QGIS walks it: landing page, conformance, collections, items page by page through "next" links. */
let stack: TestStack;
let viewer: Client;
let intruder: Client;
const ids: number[] = [];
let farId: number;

interface Link { href: string; rel: string; type: string }
interface Items { type: string; features: { id: number; type: string; properties: { status: string }; links: Link[] }[]; numberMatched: number; numberReturned: number; links: Link[]; timeStamp: string }

beforeAll(async () => {
  stack = await startStack();
  const cast = await seedTwoAuthorities(stack);
  loginLimits.reset();
  viewer = await loginAs(stack, cast.a.users.viewer);
  intruder = await loginAs(stack, cast.b.users.admin);
  const { db } = stack.platform;
  for (const key of ['a', 'b'] as const) {
    const authorityId = cast[key].authorityId;
    const vintageId = await seedVintage(db, authorityId, 2024);
    const at = { authorityId, vintageId, runId: await seedRun(db, authorityId, vintageId) };
    for (let i = 0; i < 7; i++) {
      const [x, y] = l93(2.25 + i * 0.001, 48.99);
      const id = await seedDetection(stack.platform, at, { x, y, score: 0.9 - i * 0.05, status: i === 0 ? 'confirme' : 'a_verifier' });
      if (key === 'a') ids.push(id);
    }
    if (key === 'a') {
      const [x, y] = l93(3.5, 47.5);
      farId = await seedDetection(stack.platform, at, { x, y });
    }
  }
});
afterAll(() => stack?.stop());

const get = async (client: Client, url: string) => {
  const res = await client.fetch(url.startsWith('http') ? url.slice(stack.baseUrl.length) : url);
  return { res, body: (await res.json()) as Record<string, unknown> };
};

describe('OGC API – Features', () => {
  it('has a landing page linking conformance and collections', async () => {
    const { res, body } = await get(viewer, '/ogc');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const rels = (body.links as Link[]).map((l) => [l.rel, l.href]);
    expect(rels).toEqual(expect.arrayContaining([['self', `${stack.baseUrl}/ogc`], ['conformance', `${stack.baseUrl}/ogc/conformance`], ['data', `${stack.baseUrl}/ogc/collections`]]));
  });

  it('declares Core and GeoJSON conformance', async () => {
    const { body } = await get(viewer, '/ogc/conformance');
    expect(body.conformsTo).toEqual(expect.arrayContaining(['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core', 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson']));
  });

  it('lists the dumps collection with its extent and an items link', async () => {
    const { body } = await get(viewer, '/ogc/collections');
    const [collection] = body.collections as { id: string; itemType: string; extent: { spatial: { bbox: number[][]; crs: string } }; links: Link[] }[];
    expect(collection!.id).toBe('dumps');
    expect(collection!.itemType).toBe('feature');
    const [minLon, minLat, maxLon, maxLat] = collection!.extent.spatial.bbox[0]!;
    expect(minLon).toBeLessThanOrEqual(2.25);
    expect(maxLon).toBeGreaterThanOrEqual(3.5);
    expect(minLat).toBeLessThanOrEqual(47.5);
    expect(maxLat).toBeGreaterThanOrEqual(48.99);
    expect(collection!.links.find((l) => l.rel === 'items')).toEqual(expect.objectContaining({ type: 'application/geo+json', href: `${stack.baseUrl}/ogc/collections/dumps/items` }));
    expect((await get(viewer, '/ogc/collections/dumps')).body.id).toBe('dumps');
    expect((await viewer.fetch('/ogc/collections/autre')).status).toBe(404);
  });

  it('pages items through next links, with numberMatched and numberReturned, in GeoJSON', async () => {
    const seen: number[] = [];
    let url: string | undefined = '/ogc/collections/dumps/items?bbox=2.2,48.9,2.3,49.1&limit=3';
    let pages = 0;
    while (url) {
      const { res, body } = await get(viewer, url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/geo+json');
      const items = body as unknown as Items;
      expect(items.type).toBe('FeatureCollection');
      expect(items.numberMatched).toBe(7);
      expect(items.numberReturned).toBe(items.features.length);
      expect(items.features.every((f) => f.type === 'Feature' && f.links.some((l) => l.rel === 'self'))).toBe(true);
      seen.push(...items.features.map((f) => f.id));
      const next = items.links.find((l) => l.rel === 'next');
      if (next) expect(next.href).toContain('bbox=2.2%2C48.9%2C2.3%2C49.1');
      url = next?.href;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(ids);
  });

  it('returns the whole territory without bbox, lowers a limit above the maximum, takes offset', async () => {
    const all = (await get(viewer, '/ogc/collections/dumps/items?limit=100000')).body as unknown as Items;
    expect(all.numberMatched).toBe(8);
    expect(all.numberReturned).toBe(8);
    expect(all.links.some((l) => l.rel === 'next')).toBe(false);
    const last = (await get(viewer, '/ogc/collections/dumps/items?limit=5&offset=5')).body as unknown as Items;
    expect(last.numberReturned).toBe(3);
    expect(last.links.some((l) => l.rel === 'prev')).toBe(true);
    const confirmed = (await get(viewer, '/ogc/collections/dumps/items?status=confirme')).body as unknown as Items;
    expect(confirmed.features.map((f) => f.id)).toEqual([ids[0]]);
  });

  it.each(['bbox=1,2,3', 'bbox=3,48,2,49', 'limit=0', 'offset=-1', 'bbox-crs=EPSG:2154', 'status=perdu'])('answers 400 to ?%s', async (query) => {
    expect((await viewer.fetch(`/ogc/collections/dumps/items?${query}`)).status).toBe(400);
  });

  it('serves one item, and 404 for another authority’s', async () => {
    const { res, body } = await get(viewer, `/ogc/collections/dumps/items/${farId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(body).toMatchObject({ type: 'Feature', id: farId });
    expect((await intruder.fetch(`/ogc/collections/dumps/items/${farId}`)).status).toBe(404);
    const theirs = (await get(intruder, '/ogc/collections/dumps/items?limit=100')).body as unknown as Items;
    expect(theirs.numberMatched).toBe(7);
    expect(theirs.features.map((f) => f.id)).not.toContain(farId);
  });

  it('needs a session', async () => {
    for (const path of ['/ogc', '/ogc/conformance', '/ogc/collections', '/ogc/collections/dumps/items', `/ogc/collections/dumps/items/${farId}`]) {
      expect((await fetch(`${stack.baseUrl}${path}`)).status, path).toBe(401);
    }
  });
});
