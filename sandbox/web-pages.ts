import { Hono } from 'hono';
import { notFound, onError, requestIdMiddleware } from '../api/errors.ts';
import { webRoutes } from '../api/routes/web.ts';
import { type RunningServer, serveApp } from '../api/server.ts';
import { parseConfig } from '../core/config.ts';

/**
 * Serves only the public pages (`/`, `/privacy`) with the API's own routes and error
 * mapping, without Postgres or Redis: what the browser test in `web/` drives.
 */
export function startWebPages(
  env: Record<string, string | undefined> = {},
  port = 0,
): Promise<RunningServer> {
  const app = new Hono();
  app.use('*', requestIdMiddleware());
  app.onError(onError);
  app.notFound(notFound);
  app.route('/', webRoutes({ config: parseConfig({ VIGIE_STAGE: 'local', ...env }) }));
  return serveApp(app, { port });
}
