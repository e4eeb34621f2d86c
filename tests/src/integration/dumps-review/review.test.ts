import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import type { Role } from '@vigie/api/db';
import { type Client, type TestStack, startStack } from '../../support/stack';
import { allTableCounts, castClients, seedTwoAuthorities, type Cast } from '../security/support';
import { aThumbnail, l93, seedCommune, seedDetection, seedRun, seedVintage, type NewDetection } from './support';

/**
 * The review side of illegal dumps over the real HTTP app and PostgreSQL: the queue and its filters, the
 * workflow (allowed and refused transitions, nothing written when refused), assignees, comments, the audit
 * trail read back as history, bulk decisions, statistics, and another authority seeing none of it.
 */
let stack: TestStack;
let cast: Cast;
let as: ReturnType<typeof castClients>;

interface Feature { id: number; geometry: { type: string }; properties: Record<string, unknown> & { status: string; history: History[]; comments: Comment[]; transitions: string[] } }
interface History { action: string; user: { id: number; name: string } | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null; at: string }
interface Comment { body: string; author: { id: number } | null }
interface Collection { type: string; features: Feature[]; total: number; limit: number; offset: number }

const ERMONT: [number, number, number, number] = [2.24, 48.98, 2.27, 49.0];
const SANNOIS: [number, number, number, number] = [2.24, 48.96, 2.27, 48.98];
let a: { authorityId: number; runId: string; vintageId: number; run2021: string; vintage2021: number };
let b: { authorityId: number; runId: string; vintageId: number };
let bDetection: number;

const newInA = (d: Partial<NewDetection> & { lon?: number; lat?: number } = {}) => {
  const [x, y] = l93(d.lon ?? 2.255, d.lat ?? 48.99);
  return seedDetection(stack.platform, a, { x, y, commune: '95219', ...d });
};
const patch = (client: Client, id: number, body: unknown) => client.fetch(`/api/dumps/detections/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
const auditCount = async () => Number((await stack.platform.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

beforeAll(async () => {
  stack = await startStack();
  cast = await seedTwoAuthorities(stack);
  as = castClients(stack, cast);
  loginLimits.reset();
  const { db } = stack.platform;
  await seedCommune(db, cast.a.authorityId, '95219', 'Ermont', ERMONT);
  await seedCommune(db, cast.a.authorityId, '95582', 'Sannois', SANNOIS);
  const vintage2021 = await seedVintage(db, cast.a.authorityId, 2021);
  const vintageId = await seedVintage(db, cast.a.authorityId, 2024);
  a = { authorityId: cast.a.authorityId, vintageId, runId: await seedRun(db, cast.a.authorityId, vintageId), vintage2021, run2021: await seedRun(db, cast.a.authorityId, vintage2021) };
  const bVintage = await seedVintage(db, cast.b.authorityId, 2024);
  b = { authorityId: cast.b.authorityId, vintageId: bVintage, runId: await seedRun(db, cast.b.authorityId, bVintage) };
  const [x, y] = l93(2.255, 48.99);
  bDetection = await seedDetection(stack.platform, b, { x, y });
});
afterAll(() => stack?.stop());

describe('the review queue', () => {
  let ids: { ermontHigh: number; ermontLow: number; sannois: number; old: number };
  beforeAll(async () => {
    ids = {
      ermontHigh: await newInA({ lon: 2.25, lat: 48.99, score: 0.95 }),
      ermontLow: await newInA({ lon: 2.26, lat: 48.985, score: 0.35, change: 'persistant', firstSeenVintageId: a.vintage2021 }),
      sannois: await newInA({ lon: 2.25, lat: 48.97, score: 0.7, commune: '95582' }),
      old: await seedDetection(stack.platform, { ...a, runId: a.run2021, vintageId: a.vintage2021 }, { ...xy(2.265, 48.995), commune: '95219', score: 0.6, change: 'nouveau' }),
    };
  });
  const xy = (lon: number, lat: number) => {
    const [x, y] = l93(lon, lat);
    return { x, y };
  };
  const list = async (query = '') => {
    const res = await (await as('a', 'viewer')).fetch(`/api/dumps/detections${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Collection;
  };
  const idsOf = (c: Collection) => c.features.map((f) => f.id).sort((x, y) => x - y);

  it('lists the authority’s detections as GeoJSON, best scores first, with a thumbnail URL', async () => {
    const all = await list();
    expect(all.type).toBe('FeatureCollection');
    expect(all.total).toBeGreaterThanOrEqual(4);
    expect(all.features.map((f) => f.id)).not.toContain(bDetection);
    const scores = all.features.map((f) => f.properties.score as number);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    const high = all.features.find((f) => f.id === ids.ermontHigh)!;
    expect(high.geometry.type).toBe('Polygon');
    expect(high.properties).toMatchObject({ status: 'a_verifier', statusLabel: 'à vérifier', communeInsee: '95219', communeName: 'Ermont', vintage: 2024, thumbnailUrl: `/api/dumps/detections/${ids.ermontHigh}/thumbnail.jpg` });
  });

  it('filters by bbox, commune, status, minimum score, vintage and change', async () => {
    const subset = (c: Collection) => idsOf(c).filter((id) => Object.values(ids).includes(id));
    expect(subset(await list('?bbox=2.245,48.965,2.255,48.975'))).toEqual([ids.sannois]);
    expect(subset(await list('?commune=95582'))).toEqual([ids.sannois]);
    expect(subset(await list('?minScore=0.9'))).toEqual([ids.ermontHigh]);
    expect(subset(await list('?vintage=2021'))).toEqual([ids.old]);
    expect(subset(await list('?change=persistant'))).toEqual([ids.ermontLow]);
    expect(subset(await list('?commune=95219&vintage=2024&minScore=0.3'))).toEqual([ids.ermontHigh, ids.ermontLow].sort((x, y) => x - y));
    expect(subset(await list('?status=confirme,signale'))).toEqual([]);
  });

  it('pages with limit and offset and gives the total', async () => {
    const all = await list('?limit=500');
    const pages = [await list('?limit=2&offset=0'), await list('?limit=2&offset=2'), await list(`?limit=2&offset=${all.total}`)];
    expect(pages[0]!.total).toBe(all.total);
    expect(pages[0]!.features).toHaveLength(2);
    expect(pages[2]!.features).toHaveLength(0);
    expect([...pages[0]!.features, ...pages[1]!.features].map((f) => f.id)).toEqual(all.features.slice(0, 4).map((f) => f.id));
  });

  it.each([
    ['bbox=2,48,5,51', 'bbox_too_large|invalid_input'],
    ['bbox=1,2,3', 'invalid'],
    ['status=perdu', 'invalid_input'],
    ['minScore=2', 'invalid_input'],
    ['limit=100000', 'invalid_input'],
    ['commune=../x', 'invalid_input'],
  ])('refuses ?%s with a 400', async (query, code) => {
    const res = await (await as('a', 'viewer')).fetch(`/api/dumps/detections?${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(new RegExp(code));
  });

  it('serves the thumbnail JPEG', async () => {
    const res = await (await as('a', 'viewer')).fetch(`/api/dumps/detections/${ids.ermontHigh}/thumbnail.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(await aThumbnail())).toBe(true);
  });
});

describe('the review workflow', () => {
  it('walks à vérifier → confirmé → signalé → résorbé and records each step in the audit log', async () => {
    const id = await newInA();
    const reviewer = await as('a', 'reviewer');
    for (const status of ['confirme', 'signale', 'resorbe']) {
      const res = await patch(reviewer, id, { status });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as Feature).properties.status).toBe(status);
    }
    const detail = (await (await (await as('a', 'viewer')).fetch(`/api/dumps/detections/${id}`)).json()) as Feature;
    expect(detail.properties.status).toBe('resorbe');
    expect(detail.properties.transitions).toEqual([]);
    expect(detail.properties.history.map((h) => [h.before?.status, h.after?.status])).toEqual([
      ['a_verifier', 'confirme'], ['confirme', 'signale'], ['signale', 'resorbe'],
    ]);
    const reviewerId = (await stack.platform.db.selectFrom('appUser').select('id').where('email', '=', cast.a.users.reviewer).executeTakeFirstOrThrow()).id;
    expect(detail.properties.history.every((h) => h.user?.id === reviewerId && h.action === 'dump.review' && !Number.isNaN(Date.parse(h.at)))).toBe(true);
    const rows = await stack.platform.db.selectFrom('auditLog').selectAll().where('entity', '=', 'dump_detection').where('entityId', '=', String(id)).execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.authorityId === a.authorityId && r.userId === reviewerId)).toBe(true);
  });

  it.each([
    ['a_verifier', 'resorbe', /« à vérifier » à « résorbé »/],
    ['a_verifier', 'signale', /seuls « confirmé » ou « faux positif »/],
    ['faux_positif', 'confirme', /seul « à vérifier »/],
    ['confirme', 'resorbe', /« confirmé » à « résorbé »/],
    ['signale', 'a_verifier', /seul « résorbé »/],
    ['resorbe', 'a_verifier', /statut final/],
  ] as const)('refuses %s → %s with a 409 in French and writes nothing', async (from, to, message) => {
    const id = await newInA({ status: from });
    const before = { counts: await allTableCounts(stack.platform.sql), row: await stack.platform.db.selectFrom('dumpDetection').selectAll().where('id', '=', id).executeTakeFirstOrThrow() };
    const res = await patch(await as('a', 'reviewer'), id, { status: to, comment: 'ne doit pas être enregistré' });
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toMatch(/^Impossible de passer le dépôt n° \d+ de /);
    expect(error.message).toMatch(message);
    expect(await allTableCounts(stack.platform.sql)).toEqual(before.counts);
    expect(await stack.platform.db.selectFrom('dumpDetection').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).toEqual(before.row);
  });

  it('lets a decision be undone back to à vérifier (confirmé or faux positif), not later', async () => {
    const reviewer = await as('a', 'reviewer');
    for (const from of ['confirme', 'faux_positif'] as const) {
      const id = await newInA({ status: from });
      expect((await patch(reviewer, id, { status: 'a_verifier' })).status).toBe(200);
    }
  });

  it('treats the current status as no change: 200, nothing logged', async () => {
    const id = await newInA();
    const before = await auditCount();
    const res = await patch(await as('a', 'reviewer'), id, { status: 'a_verifier' });
    expect(res.status).toBe(200);
    expect(await auditCount()).toBe(before);
  });

  it('assigns to a user of the same authority, takes comments, and shows both in the history', async () => {
    const id = await newInA();
    const { db } = stack.platform;
    const viewerA = await db.selectFrom('appUser').select(['id', 'name']).where('email', '=', cast.a.users.viewer).executeTakeFirstOrThrow();
    const res = await patch(await as('a', 'reviewer'), id, { assigneeId: viewerA.id, comment: 'Sacs et gravats le long du chemin, à voir avec les services techniques.' });
    expect(res.status, await res.clone().text()).toBe(200);
    const feature = (await res.json()) as Feature;
    expect(feature.properties.assignee).toEqual({ id: viewerA.id, name: viewerA.name });
    expect(feature.properties.comments.map((c) => c.body)).toEqual(['Sacs et gravats le long du chemin, à voir avec les services techniques.']);
    expect(feature.properties.history.map((h) => h.action)).toEqual(['dump.review', 'dump.comment']);
    expect(feature.properties.history[0]!.after).toMatchObject({ assigneeId: viewerA.id, assigneeName: viewerA.name });

    const mine = (await (await (await as('a', 'viewer')).fetch('/api/dumps/detections?assignee=me')).json()) as Collection;
    expect(mine.features.map((f) => f.id)).toEqual([id]);

    expect((await patch(await as('a', 'reviewer'), id, { assigneeId: null })).status).toBe(200);
    const cleared = (await (await (await as('a', 'viewer')).fetch(`/api/dumps/detections/${id}`)).json()) as Feature;
    expect(cleared.properties.assignee).toBeNull();
  });

  it('refuses an assignee from another authority, and writes nothing', async () => {
    const id = await newInA();
    const outsider = await stack.platform.db.selectFrom('appUser').select('id').where('email', '=', cast.b.users.reviewer).executeTakeFirstOrThrow();
    const before = await allTableCounts(stack.platform.sql);
    const res = await patch(await as('a', 'reviewer'), id, { assigneeId: outsider.id, comment: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_assignee');
    expect(await allTableCounts(stack.platform.sql)).toEqual(before);
  });

  it.each([
    [{}, 'nothing to change'],
    [{ status: 'perdu' }, 'unknown status'],
    [{ comment: '   ' }, 'blank comment'],
    [{ comment: 'a'.repeat(5001) }, 'comment too long'],
    [{ status: 'confirme', authorityId: 2 }, 'unknown field'],
    [{ assigneeId: '3' }, 'assignee as text'],
  ] as [unknown, string][])('refuses a body with %j (%s)', async (body) => {
    const id = await newInA();
    expect((await patch(await as('a', 'reviewer'), id, body)).status).toBe(400);
  });

  it('keeps decisions for reviewers: a viewer gets 403, a request without the CSRF token 403', async () => {
    const id = await newInA();
    expect((await patch(await as('a', 'viewer'), id, { status: 'confirme' })).status).toBe(403);
    const reviewer = await as('a', 'reviewer');
    const res = await fetch(`${stack.baseUrl}/api/dumps/detections/${id}`, { method: 'PATCH', headers: { cookie: reviewer.cookie, 'content-type': 'application/json' }, body: '{"status":"confirme"}' });
    expect(res.status).toBe(403);
    expect((await fetch(`${stack.baseUrl}/api/dumps/detections`)).status).toBe(401);
  });
});

describe('bulk decisions', () => {
  const bulk = async (ids: number[], status: string) => (await as('a', 'reviewer')).fetch('/api/dumps/detections/bulk', { method: 'POST', body: JSON.stringify({ ids, status }) });

  it('confirms several detections at once, one audit row each, leaving those already there', async () => {
    const ids = [await newInA(), await newInA(), await newInA({ status: 'confirme' })];
    const before = await auditCount();
    const res = await bulk(ids, 'confirme');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ updated: ids.slice(0, 2), unchanged: [ids[2]] });
    expect(await auditCount()).toBe(before + 2);
  });

  it('is all or nothing: one refused transition answers 409 and changes none', async () => {
    const ids = [await newInA(), await newInA({ status: 'resorbe' }), await newInA({ status: 'faux_positif' })];
    const before = await allTableCounts(stack.platform.sql);
    const res = await bulk(ids, 'confirme');
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as { error: { message: string; details: { refused: { id: number }[] } } };
    expect(error.details.refused.map((r) => r.id)).toEqual([ids[1], ids[2]]);
    expect(error.message).toMatch(/Aucun dépôt n’a été modifié/);
    expect(await allTableCounts(stack.platform.sql)).toEqual(before);
    const statuses = await stack.platform.db.selectFrom('dumpDetection').select('status').where('id', 'in', ids).orderBy('id').execute();
    expect(statuses.map((s) => s.status)).toEqual(['a_verifier', 'resorbe', 'faux_positif']);
  });

  it('answers 404 and changes nothing when one id belongs to another authority', async () => {
    const mine = await newInA();
    const before = await allTableCounts(stack.platform.sql);
    const res = await bulk([mine, bDetection], 'confirme');
    expect(res.status).toBe(404);
    expect(await allTableCounts(stack.platform.sql)).toEqual(before);
  });
});

describe('another authority', () => {
  it.each(['viewer', 'reviewer', 'admin'] as Role[])('gets 404 on every read and write of A’s detection, as a %s of B', async (role) => {
    const id = await newInA();
    const intruder = await as('b', role);
    const before = await allTableCounts(stack.platform.sql);
    const reads = ['', '/thumbnail.jpg', '/sheet.html', '/sheet.pdf'].map((suffix) => `/api/dumps/detections/${id}${suffix}`);
    for (const path of [...reads, `/ogc/collections/dumps/items/${id}`]) {
      const res = await intruder.fetch(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    if (role !== 'viewer') {
      expect((await patch(intruder, id, { status: 'confirme', comment: 'intrusion' })).status).toBe(404);
      expect((await intruder.fetch('/api/dumps/detections/bulk', { method: 'POST', body: JSON.stringify({ ids: [id], status: 'confirme' }) })).status).toBe(404);
    }
    expect(await allTableCounts(stack.platform.sql)).toEqual(before);
    const listed = (await (await intruder.fetch('/api/dumps/detections?limit=500')).json()) as Collection;
    expect(listed.features.map((f) => f.id)).toEqual([bDetection]);
    const exported = await (await intruder.fetch('/api/dumps/detections.csv')).text();
    expect(exported.split('\r\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('statistics', () => {
  it('counts new, confirmed and cleared dumps per commune and month', async () => {
    // a fresh authority keeps the figures exact
    const { db } = stack.platform;
    const reviewer = await as('b', 'reviewer');
    await seedCommune(db, b.authorityId, '95176', 'Eaubonne', ERMONT);
    const [x, y] = l93(2.25, 48.99);
    const ids = [
      await seedDetection(stack.platform, b, { x, y, commune: '95176' }),
      await seedDetection(stack.platform, b, { x: x + 50, y, commune: '95176' }),
      await seedDetection(stack.platform, b, { x: x + 100, y, commune: '95176', change: 'persistant' }),
    ];
    for (const status of ['confirme', 'signale', 'resorbe']) expect((await patch(reviewer, ids[0]!, { status })).status).toBe(200);
    expect((await patch(reviewer, ids[1]!, { status: 'confirme' })).status).toBe(200);
    expect((await patch(reviewer, ids[1]!, { status: 'a_verifier' })).status).toBe(200);
    expect((await patch(reviewer, ids[1]!, { status: 'confirme' })).status).toBe(200);

    const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(new Date());
    const res = await reviewer.fetch('/api/dumps/stats?commune=95176');
    expect(res.status).toBe(200);
    const { rows } = (await res.json()) as { rows: { month: string; communeInsee: string; communeName: string; nouveaux: number; confirmes: number; resorbes: number }[] };
    expect(rows).toEqual([{ month, communeInsee: '95176', communeName: 'Eaubonne', nouveaux: 2, confirmes: 2, resorbes: 1 }]);
    const none = (await (await reviewer.fetch('/api/dumps/stats?from=2000-01&to=2000-12')).json()) as { rows: unknown[] };
    expect(none.rows).toEqual([]);
    expect((await reviewer.fetch('/api/dumps/stats?from=2024-13')).status).toBe(400);
  });
});
