import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});
const app = { request: (path: string) => fetch(`${stack.baseUrl}${path}`) };

function csp(res: Response): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (res.headers.get('content-security-policy') ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

describe('security headers', () => {
  it.each(['/api/auth/me', '/api/runs', '/api/nulle-part', '/', '/dumps', '/ogc/collections'])('%s may not be framed and is not sniffed', async (path) => {
    const res = await app.request(path);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(csp(res).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('lets any site frame the affluence widget, and only it', async () => {
    for (const path of ['/affluence/embed/', '/affluence/embed/place-du-village']) {
      const res = await app.request(path);
      expect(res.headers.get('x-frame-options')).toBeNull();
      expect(csp(res).get('frame-ancestors')).toEqual(['*']);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    for (const path of ['/affluence/embedded', '/affluence/', '/api/affluence/embed/x']) {
      expect(csp(await app.request(path)).get('frame-ancestors'), path).toEqual(["'none'"]);
    }
  });

  it('has a CSP the map can run under: own scripts only, blob workers, no plugins', async () => {
    const policy = csp(await app.request('/'));
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]); // no 'unsafe-inline', no 'unsafe-eval'
    expect(policy.get('worker-src')).toEqual(["'self'", 'blob:']); // maplibre and deck.gl workers
    expect(policy.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:', 'blob:']));
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'self'"]);
  });

  it('sends the JSON error envelope with the same headers', async () => {
    const res = await app.request('/api/auth/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });
});
