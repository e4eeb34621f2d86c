import { describe, expect, it } from 'vitest';
import { publicRoute, requireRole } from '@vigie/api/auth';
import { isGuardedPath, listEndpoints } from '../../integration/security/support';

describe('every route declares who may call it', () => {
  const endpoints = listEndpoints();

  it('finds the routes of the app', () => {
    expect(endpoints.length).toBeGreaterThan(5);
    expect(endpoints).toContainEqual({ method: 'GET', path: '/api/runs', rule: 'viewer' });
  });

  it('has an access rule (requireRole or publicRoute) on every API, OGC and public route', () => {
    const undeclared = endpoints.filter((e) => isGuardedPath(e.path) && !e.rule).map((e) => `${e.method} ${e.path}`);
    expect(undeclared, 'routes without requireRole()/publicRoute() as first handler').toEqual([]);
  });

  it('has an access rule on every route that writes, wherever it is mounted', () => {
    const undeclared = endpoints.filter((e) => !['GET', 'HEAD', 'OPTIONS'].includes(e.method) && !e.rule).map((e) => `${e.method} ${e.path}`);
    expect(undeclared).toEqual([]);
  });

  it('keeps user administration for admins', () => {
    for (const e of endpoints.filter((e) => e.path.startsWith('/api/users'))) expect(e.rule, `${e.method} ${e.path}`).toBe('admin');
  });

  it('tells a guarded route from an unguarded one, in sub-apps and router-level middleware alike', () => {
    const handler = () => undefined;
    const middleware = () => undefined;
    const routes = [
      { method: 'ALL', path: '/*', handler: middleware }, // app-wide: request ids, headers
      { method: 'ALL', path: '/api/zan/*', handler: requireRole('planner') },
      { method: 'GET', path: '/api/zan/communes', handler },
      { method: 'GET', path: '/api/dumps', handler: requireRole('reviewer') },
      { method: 'GET', path: '/api/dumps', handler },
      { method: 'GET', path: '/api/dumps/leak', handler },
      // a guard that is not first: the body was already read before anyone checked who asks
      { method: 'POST', path: '/api/dumps/late', handler: middleware },
      { method: 'POST', path: '/api/dumps/late', handler: publicRoute() },
      { method: 'POST', path: '/api/dumps/late', handler },
    ];
    expect(listEndpoints({ routes })).toEqual([
      { method: 'GET', path: '/api/zan/communes', rule: 'planner' },
      { method: 'GET', path: '/api/dumps', rule: 'reviewer' },
      { method: 'GET', path: '/api/dumps/leak', rule: undefined },
      { method: 'POST', path: '/api/dumps/late', rule: undefined },
    ]);
  });
});
