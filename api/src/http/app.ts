import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { VigieError } from '../errors';
import type { AppDeps, AppEnv } from './context';
import { notFoundHandler, onError } from './middleware/errors';
import { requestContext } from './middleware/request';
import { securityHeaders } from './middleware/security-headers';
import { affluence } from './routes/affluence';
import { auth } from './routes/auth';
import { dumps } from './routes/dumps';
import { health } from './routes/health';
import { ogc } from './routes/ogc';
import { publicAffluence } from './routes/public';
import { runs } from './routes/runs';
import { territory } from './routes/territory';
import { users } from './routes/users';
import { zan } from './routes/zan';

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** The built web app, served at / when present (pnpm start builds it). */
const WEB_DIST = path.resolve(import.meta.dirname, '../../../web/dist');

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(deps));
  app.use('*', securityHeaders());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new VigieError('payload_too_large', `Corps de requête trop volumineux (maximum ${MAX_JSON_BODY_BYTES / 1024} Kio).`, 413);
      },
    }),
  );

  app.route('/api/health', health);
  app.route('/api/auth', auth);
  app.route('/api/runs', runs);
  app.route('/api', territory);
  app.route('/api/users', users);
  app.route('/api/dumps', dumps);
  app.route('/ogc', ogc);
  app.route('/api/affluence', affluence);
  app.route('/api/zan', zan);
  app.route('/', publicAffluence);

  if (fs.existsSync(WEB_DIST)) {
    app.use('/assets/*', serveStatic({ root: path.relative(process.cwd(), WEB_DIST) }));
    const indexHtml = () => fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    app.get('/', (c) => c.html(indexHtml()));
    for (const page of ['/dumps', '/zan', '/affluence-admin', '/runs', '/models', '/login']) app.get(page, (c) => c.html(indexHtml()));
  }

  app.onError(onError);
  app.notFound(notFoundHandler(() => app.routes));
  return app;
}

export type VigieApp = ReturnType<typeof createApp>;
export type { AppDeps, AppEnv, SessionUser } from './context';
