import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import type { Config } from '../config.js';
import type { Metrics } from '../observe/metrics.js';
import type { OpenTicketIndex } from '../observe/open-ticket-index.js';
import type { Queues } from '../store/queues.js';
import type { SlaStore } from '../observe/sla/store.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import type { OpsAccess } from './ops-auth.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the operations routes read: the workflow's Redis, the queues, the SLA records, the metrics. */
export interface OpsDeps {
  config: Config;
  redis: Redis;
  store: WorkflowStore;
  queues: Queues;
  sla: SlaStore;
  /** which tickets are open, in which state */
  openTickets: OpenTicketIndex;
  metrics: Metrics;
  ticketing: ReadonlyMap<string, TicketSystem>;
  platformName: string;
  /** the tenants the tenants file configures now (TENANTS_FILE, hot-reloaded); absent: the single-platform configuration */
  knownTenants?: () => ReadonlySet<string>;
  log: Logger;
  now: () => number;
  /** the guard every route calls first (see ops-auth.ts) */
  access: (req: FastifyRequest, reply: FastifyReply) => Promise<OpsAccess | undefined>;
}
