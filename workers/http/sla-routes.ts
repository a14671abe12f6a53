import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listOpenTickets } from '../sla/open-tickets.js';
import { BadRange, parseRangeQuery } from '../sla/range.js';
import { summarize } from '../sla/summary.js';
import type { OpsDeps } from './ops-deps.js';

const OpenQuerySchema = z.object({ scan: z.coerce.number().int().min(1).max(10_000).default(2000) });

/**
 * `GET /sla/summary?from=&to=` (or `since=7d`): the SLA figures of the tickets closed in the range, overall and
 * by ticket system and 2FA platform. `GET /sla/open`: open tickets and the state each waits in.
 */
export async function register(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  app.get('/sla/summary', async (req, reply) => {
    if (!(await deps.access(req, reply))) return reply;
    let range: { from: number; to: number };
    try {
      range = parseRangeQuery(req.query, deps.now());
    } catch (err) {
      if (err instanceof BadRange) return reply.code(400).send({ error: 'bad_query', message: err.reason });
      throw err;
    }
    return summarize(await deps.sla.range(range.from, range.to), range);
  });

  app.get('/sla/open', async (req, reply) => {
    if (!(await deps.access(req, reply))) return reply;
    const q = OpenQuerySchema.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'bad_query', message: `scan: ${q.error.issues[0]?.message ?? 'invalid'}` });
    return listOpenTickets(deps.store, deps.openTickets, deps.now(), q.data.scan);
  });
}
