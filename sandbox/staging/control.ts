import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { isVigieError } from '../../core/errors.ts';
import type { FaultBoard } from '../faults.ts';
import { listen } from '../http-faults.ts';

/**
 * The control endpoint of a running local staging, on 127.0.0.1 only, with a bearer token
 * written to `staging.env` (`VIGIE_CONTROL_URL`, `VIGIE_CONTROL_TOKEN`): the fault switches
 * reachable from another process (`npx vigie sandbox fault …`, a drill, the game day).
 *
 * - `GET /faults` → `{ switches: {name: {description, modes: {mode: {description, args}}}}, active }`
 * - `POST /faults/{standIn}/{mode}` with a JSON object of string args → the fault's state
 * - `DELETE /faults/{standIn}` clears one; `DELETE /faults` clears all
 */
export async function startControlEndpoint(board: FaultBoard) {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const app = new Hono();
  app.use('*', async (c, next) => {
    const given = Buffer.from(c.req.header('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json(
        { code: 'UNAUTHENTICATED', message: 'Bearer VIGIE_CONTROL_TOKEN required' },
        401,
      );
    }
    return next();
  });
  app.onError((error, c) => {
    if (isVigieError(error)) {
      const status = error.code === 'NOT_FOUND' ? 404 : error.code === 'BAD_REQUEST' ? 400 : 500;
      return c.json({ code: error.code, message: error.message }, status);
    }
    return c.json(
      { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
      500,
    );
  });
  app.get('/faults', (c) =>
    c.json({
      switches: Object.fromEntries(
        Object.entries(board.switches).map(([name, sw]) => [
          name,
          {
            description: sw.description,
            modes: Object.fromEntries(
              Object.entries(sw.modes).map(([m, mode]) => [
                m,
                { description: mode.description, args: mode.args ?? [] },
              ]),
            ),
          },
        ]),
      ),
      active: board.active(),
    }),
  );
  app.post('/faults/:standIn/:mode', async (c) => {
    const text = await c.req.text();
    let args: unknown = {};
    if (text.trim() !== '') {
      try {
        args = JSON.parse(text);
      } catch {
        return c.json(
          { code: 'BAD_REQUEST', message: 'The body must be a JSON object of string arguments' },
          400,
        );
      }
    }
    if (
      typeof args !== 'object' ||
      args === null ||
      Array.isArray(args) ||
      !Object.values(args).every((v) => typeof v === 'string' && v.length <= 200)
    ) {
      return c.json(
        { code: 'BAD_REQUEST', message: 'The body must be a JSON object of string arguments' },
        400,
      );
    }
    const state = await board.apply(
      c.req.param('standIn'),
      c.req.param('mode'),
      args as Record<string, string>,
    );
    return c.json(state);
  });
  app.delete('/faults/:standIn', async (c) =>
    c.json({ cleared: await board.clear(c.req.param('standIn')) }),
  );
  app.delete('/faults', async (c) => c.json({ cleared: await board.clear() }));
  const server = await listen(app);
  return { url: server.url, token, close: server.close };
}

/** The client side, for `vigie sandbox fault` and drills. */
export function controlClient(url: string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new Error(`control endpoint ${response.status}: ${String(json.message ?? 'error')}`);
    }
    return json;
  };
  return {
    list: () => call('GET', '/faults'),
    apply: (standIn: string, mode: string, args: Record<string, string> = {}) =>
      call('POST', `/faults/${encodeURIComponent(standIn)}/${encodeURIComponent(mode)}`, args),
    clear: (standIn?: string) =>
      call('DELETE', standIn === undefined ? '/faults' : `/faults/${encodeURIComponent(standIn)}`),
  };
}
