/** Scenario 4's processor: a user, a route by weight, and one record per response. */
import { loadUsers, pick, record } from './records.ts';

/** The mix: what the app's users and monitors call most (weights sum to 100). */
const ROUTES: Array<{
  name: string;
  weight: number;
  path: (prospectId: string) => string;
  auth: boolean;
}> = [
  { name: 'healthz', weight: 25, path: () => '/healthz', auth: false },
  { name: 'readyz', weight: 10, path: () => '/readyz', auth: false },
  { name: 'privacy', weight: 15, path: () => '/privacy?lang=en', auth: false },
  { name: 'prospect', weight: 50, path: (id) => `/prospects/${id}`, auth: true },
];

type Ctx = { vars: Record<string, unknown> };

export async function pickUser(context: Ctx): Promise<void> {
  const user = pick(await loadUsers());
  context.vars.user = user;
  context.vars.startedAt = performance.now();
}

/** Loops for `VIGIE_LOAD_SECONDS` (default 10). */
export function keepGoing(context: Ctx, done: (more: boolean) => void): void {
  const seconds = Number(process.env.VIGIE_LOAD_SECONDS ?? 10);
  done(performance.now() - (context.vars.startedAt as number) < seconds * 1000);
}

export async function pickRoute(context: Ctx): Promise<void> {
  const user = context.vars.user as { token: string; prospectIds: string[] };
  let roll = Math.random() * 100;
  const route = ROUTES.find((r) => (roll -= r.weight) < 0) ?? ROUTES[0]!;
  context.vars.route = route.name;
  context.vars.path = route.path(pick(user.prospectIds));
  context.vars.authorization = route.auth ? `Bearer ${user.token}` : '';
  context.vars.sentAt = performance.now();
}

export async function checkResponse(
  _req: unknown,
  res: { statusCode: number },
  context: Ctx,
): Promise<void> {
  const ms = performance.now() - (context.vars.sentAt as number);
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  record({ kind: 'api', route: String(context.vars.route), status: res.statusCode, ms, ok });
  // A wrong status fails the virtual user: it is a failure, never a fast answer.
  if (!ok) throw new Error(`${String(context.vars.route)} answered ${res.statusCode}`);
}
