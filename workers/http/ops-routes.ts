import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from './ops-deps.js';
import { register as registerAdmin } from './admin-routes.js';
import { register as registerDashboard } from './dashboard-routes.js';
import { register as registerSla } from './sla-routes.js';

/** Mounts the operations routes (SLA summary, dashboard, admin) on the intake server; each file owns its routes. */
export async function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  await registerSla(app, deps);
  await registerDashboard(app, deps);
  await registerAdmin(app, deps);
}
