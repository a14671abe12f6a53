import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listOpenTickets } from '../observe/sla/open-tickets.js';
import { BadRange, parseRangeQuery } from '../observe/sla/range.js';
import { summarize } from '../observe/sla/summary.js';
import { BadTenant, parseTenantFilter } from '../observe/sla/tenant-filter.js';
import type { OpsDeps } from './ops-deps.js';

const OpenQuerySchema = z.object({ scan: z.coerce.number().int().min(1).max(10_000).default(2000) });

/**
 * `GET /sla/summary?from=&to=` (or `since=7d`): the SLA figures of the tickets closed in the range, overall and
 * by ticket system, 2FA platform and tenant. `GET /sla/open`: open tickets and the state each waits in. Both take
 * `tenant=<id>`: that tenant's tickets only; an id neither configured nor found in the SLA records is refused.
 */
export async function register(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  /** The tenant a query asks for (undefined: all), or why it is refused. */
  const tenantOf = (query: unknown, withRecords: readonly string[]): { tenant: string | undefined } | { error: string } => {
    const value = (query as { tenant?: unknown } | undefined)?.tenant;
    try {
      return { tenant: parseTenantFilter(value, new Set([...(deps.knownTenants?.() ?? []), ...withRecords])) };
    } catch (err) {
      if (err instanceof BadTenant) return { error: err.reason };
      throw err;
    }
  };

  app.get('/sla/summary', async (req, reply) => {
    if (!(await deps.access(req, reply))) return reply;
    let range: { from: number; to: number };
    try {
      range = parseRangeQuery(req.query, deps.now());
    } catch (err) {
      if (err instanceof BadRange) return reply.code(400).send({ error: 'bad_query', message: err.reason });
      throw err;
    }
    const tenants = await deps.sla.tenants();
    const filter = tenantOf(req.query, tenants);
    if ('error' in filter) return reply.code(400).send({ error: 'bad_query', message: filter.error });
    const { tenant } = filter;
    return { ...summarize(await deps.sla.range(range.from, range.to, tenant), range, { tenant }), tenants };
  });

  app.get('/sla/open', async (req, reply) => {
    if (!(await deps.access(req, reply))) return reply;
    const q = OpenQuerySchema.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'bad_query', message: `scan: ${q.error.issues[0]?.message ?? 'invalid'}` });
    const filter = tenantOf(req.query, await deps.sla.tenants());
    if ('error' in filter) return reply.code(400).send({ error: 'bad_query', message: filter.error });
    return listOpenTickets(deps.store, deps.openTickets, deps.now(), q.data.scan, filter.tenant);
  });
}
