import { type ServerType, serve } from '@hono/node-server';
import { logger } from '../logger';
import type { AppDeps } from './context';
import { createApp } from './app';

/** Starts the HTTP API; resolves once it listens. */
export async function startApiServer(deps: AppDeps): Promise<{ server: ServerType; port: number; close(): Promise<void> }> {
  const app = createApp(deps);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host }, (info) => {
      logger.info({ url: `http://${deps.config.host}:${info.port}` }, 'API listening');
      resolve({
        server,
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
