import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import type { Role } from '@vigie/api/db';
import { createRun } from '@vigie/api/runs';
import type { Client, TestStack } from '../../support/stack';
import { startStack } from '../../support/stack';
import { allTableCounts, castClients, seedTwoAuthorities, type Cast } from './support';

/**
 * Territory scoping: a user of authority B can neither read nor change authority A's data, whatever
 * their role (admin included). Each route family adds its cases to ROUTE_CASES:
 *  - `seed` creates a fresh row owned by the given authority and returns its id (and anything the path needs);
 *  - `request` builds the request from those ids;
 *  - `role` is the least role allowed to make it; `ownerStatus` is what the owner gets (proves the case
 *    is not vacuous); the intruder must get the same 404 as for a row that does not exist, and no table
 *    may change.
 */
interface Seeded { id: string }
interface RouteCase {
  name: string;
  role: Role;
  seed: (authorityId: number) => Promise<Seeded>;
  request: (row: Seeded) => { method: string; path: string; body?: unknown };
  ownerStatus: number;
  /** for streams: stop reading after the headers */
  stream?: boolean;
}

let stack: TestStack;
let cast: Cast;
let as: ReturnType<typeof castClients>;

const seedRun = async (authorityId: number): Promise<Seeded> => {
  const run = await createRun(stack.platform.db, stack.platform.boss, { authorityId, useCase: 'dumps' });
  return { id: run.id };
};

const ROUTE_CASES: RouteCase[] = [
  { name: 'run: read', role: 'viewer', seed: seedRun, request: ({ id }) => ({ method: 'GET', path: `/api/runs/${id}` }), ownerStatus: 200 },
  { name: 'run: live events (SSE)', role: 'viewer', seed: seedRun, request: ({ id }) => ({ method: 'GET', path: `/api/runs/${id}/events` }), ownerStatus: 200, stream: true },
  { name: 'run: cancel', role: 'reviewer', seed: seedRun, request: ({ id }) => ({ method: 'POST', path: `/api/runs/${id}/cancel` }), ownerStatus: 200 },
  { name: 'run: resume', role: 'planner', seed: seedRun, request: ({ id }) => ({ method: 'POST', path: `/api/runs/${id}/resume` }), ownerStatus: 200 },
];

/** List routes: what B lists must contain none of A's ids. */
const LIST_CASES: { name: string; role: Role; seed: (authorityId: number) => Promise<Seeded>; path: string; ids: (body: unknown) => string[] }[] = [
  { name: 'runs', role: 'viewer', seed: seedRun, path: '/api/runs', ids: (body) => (body as { runs: { id: string }[] }).runs.map((r) => r.id) },
];

async function send(client: Client, req: { method: string; path: string; body?: unknown }, stream = false) {
  const controller = new AbortController();
  const res = await client.fetch(req.path, {
    method: req.method,
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    signal: controller.signal,
  });
  const status = res.status;
  const type = res.headers.get('content-type') ?? '';
  const body = (stream && status === 200 ? undefined : await res.json()) as { error: { code: string; message: string; requestId?: string } } | undefined;
  controller.abort();
  return { status, type, body };
}

beforeAll(async () => {
  stack = await startStack();
  cast = await seedTwoAuthorities(stack);
  as = castClients(stack, cast);
  loginLimits.reset();
});
afterAll(() => stack?.stop());

describe.each(ROUTE_CASES)('$name', (route) => {
  it.each([route.role, 'admin'] as Role[])('is refused to a %s of another authority, as if the row did not exist', async (role) => {
    const row = await route.seed(cast.a.authorityId);
    const intruder = await as('b', role);
    const before = { counts: await allTableCounts(stack.platform.sql), rows: await snapshot() };
    const res = await send(intruder, route.request(row), route.stream);
    expect(res.status).toBe(404);
    const missing = await send(intruder, route.request({ id: '00000000-0000-4000-8000-000000000000' }), route.stream);
    expect(res.body?.error).toEqual({ ...missing.body!.error, requestId: res.body?.error.requestId });
    expect(await allTableCounts(stack.platform.sql)).toEqual(before.counts);
    expect(await snapshot()).toEqual(before.rows);
  });

  it(`is allowed to a ${route.role} of the owning authority`, async () => {
    const row = await route.seed(cast.a.authorityId);
    const res = await send(await as('a', route.role), route.request(row), route.stream);
    expect(res.status).toBe(route.ownerStatus);
    if (route.stream) expect(res.type).toMatch(/text\/event-stream/);
  });
});

describe.each(LIST_CASES)('list $name', (list) => {
  it('shows each authority its own rows only', async () => {
    const mine = await list.seed(cast.b.authorityId);
    const theirs = await list.seed(cast.a.authorityId);
    for (const role of [list.role, 'admin'] as Role[]) {
      const res = await send(await as('b', role), { method: 'GET', path: list.path });
      expect(res.status).toBe(200);
      const ids = list.ids(res.body);
      expect(ids).toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
    }
  });
});

/** Every row of the tables these cases touch, to prove a refused write changed nothing. */
async function snapshot() {
  return stack.platform.sql`select id, status, finished_at, error from run order by id`;
}
