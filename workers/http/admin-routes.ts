import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from './ops-deps.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues over the four queues, behind the operations guard. Without ADMIN_TOKEN the board is
 * read-only (loopback callers may look, nobody may retry, clean or remove); with it, the token holder may act.
 * Any request the guard grants only 'read' is refused for every method but GET/HEAD, whatever the board offers.
 */
export async function register(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  const readOnlyMode = !deps.config.env.ADMIN_TOKEN;
  const { events, effects, timers, maintenance } = deps.queues;
  const board = new FastifyAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: [events, effects, timers, maintenance].map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'twofa-desk' } },
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      const access = await deps.access(req, reply);
      if (access === undefined) return reply;
      if (access === 'read' && req.method !== 'GET' && req.method !== 'HEAD') {
        return reply.code(403).send({ error: 'read_only', message: 'the queue board is read-only: set ADMIN_TOKEN to retry or remove jobs' });
      }
      return undefined;
    });
    await scope.register(board.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  });
}
