import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { TicketSystem } from '../integrations/ticketing/ticket-system.js';
import { LocalDeskAdapter } from '../integrations/ticketing/local/adapter.js';
import { ConfigError, type Config } from './config.js';

export interface TicketSystemDeps {
  config: Config;
  /** the raw environment: each adapter validates its own variables (zod) and names a bad one */
  source: NodeJS.ProcessEnv;
  redis: Redis;
  log: Logger;
  /** where the embedded desk's API is */
  localDeskUrl: string;
}

/** The ticket system selected by TICKET_SYSTEM, keyed by its name (the `:system` of /webhooks/:system). */
export async function createTicketSystems(deps: TicketSystemDeps): Promise<Map<string, TicketSystem>> {
  const { config } = deps;
  const { env, policy } = config;
  const systems = new Map<string, TicketSystem>();
  switch (env.TICKET_SYSTEM) {
    case 'local':
      systems.set(
        'local',
        new LocalDeskAdapter({
          baseUrl: deps.localDeskUrl,
          webhookSecret: env.LOCAL_DESK_WEBHOOK_SECRET,
          watchTag: policy.watchTag,
          timeoutMs: env.LOCAL_DESK_TIMEOUT_MS,
          ...(env.LOCAL_DESK_API_TOKEN ? { apiToken: env.LOCAL_DESK_API_TOKEN } : {}),
        }),
      );
      break;
    default:
      throw new ConfigError('TICKET_SYSTEM', `'${env.TICKET_SYSTEM}' is not built into this version yet`);
  }
  return systems;
}
