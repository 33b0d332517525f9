import * as z from 'zod';
import type { DashboardModel } from './components/grafana-dashboards.ts';

const exported = z.array(
  z.object({
    uid: z.string().min(1).max(40),
    title: z.string().min(1),
    folder: z.string().min(1),
    model: z.looseObject({}),
  }),
);

/**
 * What `dashboards/` exports (`dashboards/index.ts`: `dashboards`, a list of
 * `{uid, title, folder, model}`), checked at the edge. Read by specifier so the program does
 * not depend on that folder's internals; none exported yet means no Grafana resources.
 */
export async function loadDashboards(): Promise<DashboardModel[]> {
  const specifier = '../dashboards/index.ts';
  let module: { dashboards?: unknown };
  try {
    module = (await import(specifier)) as { dashboards?: unknown };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw error;
  }
  const parsed = exported.safeParse(module.dashboards ?? []);
  if (!parsed.success) {
    throw new Error(
      `dashboards/index.ts exports dashboards of the wrong shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
