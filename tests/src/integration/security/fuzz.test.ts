import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginLimits } from '@vigie/api/auth';
import { createApp } from '@vigie/api/http';
import { type Client, type TestStack, login, startStack } from '../../support/stack';
import { allTableCounts, isGuardedPath, listEndpoints } from './support';

/** mulberry32: a tiny seeded PRNG, so a failure replays exactly (the seed is in the test name). */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = 20260528;
const CASES_PER_ENDPOINT = 14;

const ODD_STRINGS = ['', ' ', '\u0000', '\ud800', '\u202e\u0645\u0631\u062d\u0628\u0627', '\u200b\ufeff', 'é'.normalize('NFD'), '😀'.repeat(50), "' or 1=1 --", '../../etc/passwd', '<script>alert(1)</script>', '%00', 'a'.repeat(5000), '__proto__', 'constructor'];
const ODD_NUMBERS = [0, -0, -1, 1e308, -1e308, 2 ** 53 + 1, 2 ** 64, 1e-320, 3.14159, 4294967296, -2147483649];
const ODD_SEGMENTS = ['0', '-1', '99999999999999999999', '00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'nan', '%2e%2e', '%00', '%E9', '%ud800', 'é', '😀', 'a'.repeat(300), '1e308', 'null'];

/** percent-encodes, and a lone surrogate becomes the invalid UTF-8 it would be on the wire */
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
};

function fuzzer(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3) return pick<unknown>([pick(ODD_STRINGS), pick(ODD_NUMBERS), true, false, null]);
    if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const keys = ['email', 'password', 'role', 'name', 'useCase', 'vintage', 'model', 'communes', 'area', 'type', 'coordinates', 'id', 'authorityId', pick(ODD_STRINGS)];
    return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 5) }, () => [pick(keys), value(depth + 1)]));
  };
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  /** a body and its content type: random JSON, wrong types, truncated, not JSON at all */
  const body = (): { body: string | Uint8Array; type: string | undefined } => {
    const json = JSON.stringify(value(0)) ?? 'null';
    const variants: (() => { body: string | Uint8Array; type: string | undefined })[] = [
      () => ({ body: json, type: 'application/json' }),
      () => ({ body: json.slice(0, Math.floor(random() * json.length)), type: 'application/json' }),
      () => ({ body: JSON.stringify(pick(ODD_NUMBERS)), type: 'application/json' }),
      () => ({ body: deep(5000), type: 'application/json' }),
      () => ({ body: json, type: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/jpeg', 'application/json; charset=latin1']) }),
      () => ({ body: json, type: undefined }),
      () => ({ body: Uint8Array.from({ length: 64 }, () => Math.floor(random() * 256)), type: 'application/json' }),
      () => ({ body: '{"email":"' + '\\ud800'.repeat(20) + '","password":1e999}', type: 'application/json' }),
    ];
    return pick(variants)();
  };
  const path = (pattern: string) =>
    pattern
      .split('/')
      .map((part) => (part.startsWith(':') ? encode(pick(ODD_SEGMENTS)).replace(/%25/g, random() < 0.5 ? '%' : '%25') : part))
      .join('/') + (random() < 0.3 ? `?${pick(['limit', 'bbox', 'offset', 'x'])}=${encode(String(pick<unknown>([...ODD_STRINGS, ...ODD_NUMBERS])))}` : '');
  return { body, path };
}

let stack: TestStack;
let admin: Client;
beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.baseUrl);
});
afterAll(() => stack?.stop());

// logging out would end the session the other cases use; it is fuzzed logged out, and tested in auth.test.ts
const endpoints = listEndpoints(createApp({} as never)).filter((e) => isGuardedPath(e.path));

describe.each([
  { who: 'an admin with a valid CSRF token', signedIn: true },
  { who: 'nobody', signedIn: false },
])('malformed requests from $who (seed ' + SEED + ')', ({ signedIn }) => {
  it('never get a 5xx, crash the API or write anything', async () => {
    const { body, path } = fuzzer(prng(SEED + (signedIn ? 1 : 0)));
    const before = await allTableCounts(stack.platform.sql);
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      if (signedIn && endpoint.path === '/api/auth/logout') continue;
      for (let i = 0; i < CASES_PER_ENDPOINT; i++) {
        const url = path(endpoint.path);
        const payload = endpoint.method === 'GET' ? undefined : body();
        const headers = new Headers();
        if (payload?.type) headers.set('content-type', payload.type);
        if (signedIn) {
          headers.set('cookie', admin.cookie);
          headers.set('x-csrf-token', admin.csrfToken);
        }
        const res = await fetch(`${stack.baseUrl}${url}`, { method: endpoint.method, headers, body: payload?.body, signal: AbortSignal.timeout(10_000) });
        if (res.status >= 500) failures.push(`${endpoint.method} ${url} → ${res.status} ${(await res.text()).slice(0, 200)}`);
        else await res.body?.cancel();
      }
    }
    expect(failures).toEqual([]);
    expect((await fetch(`${stack.baseUrl}/api/health`)).status).toBe(200);
    expect(await allTableCounts(stack.platform.sql)).toEqual(before);
    loginLimits.reset();
  });
});

describe('raw request lines', () => {
  // fetch normalises "..": these go over a bare socket, as an attacker's client would send them
  const raw = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(stack.baseUrl).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d.toString('latin1')));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });

  it.each([
    '/assets/../../../../etc/passwd', '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd', '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/....//....//etc/passwd', '/api/../../etc/passwd', '/../postgres.secret', '/assets/..\\..\\package.json',
    '/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
  ])('%s leaks no file', async (target) => {
    const answer = await raw(target);
    expect(answer).toMatch(/^HTTP\/1\.1 [1-4]\d\d/);
    expect(answer).not.toMatch(/root:x:0:0|"packageManager"|"name": "vigie"/);
  });
});
