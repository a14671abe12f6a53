import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from './ops-deps.js';

/** Not built yet: see the open issue. */
export async function register(_app: FastifyInstance, _deps: OpsDeps): Promise<void> {}
