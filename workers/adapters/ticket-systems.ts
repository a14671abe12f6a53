import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import { loadZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import { JiraAdapter } from '../../integrations/ticketing/jira/adapter.js';
import { loadJiraConfig } from '../../integrations/ticketing/jira/config.js';
import { ServiceNowAdapter } from '../../integrations/ticketing/servicenow/adapter.js';
import { loadServiceNowConfig } from '../../integrations/ticketing/servicenow/config.js';
import { RtAdapter } from '../../integrations/ticketing/rt/adapter.js';
import { loadRtConfig } from '../../integrations/ticketing/rt/config.js';
import { ConnectWiseAdapter } from '../../integrations/ticketing/connectwise/adapter.js';
import { loadConnectWiseConfig } from '../../integrations/ticketing/connectwise/config.js';
import { HaloAdapter } from '../../integrations/ticketing/halo/adapter.js';
import { loadHaloConfig } from '../../integrations/ticketing/halo/config.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { type Config } from '../config.js';

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
    case 'zendesk': {
      // Unset, ZENDESK_WATCH_TAG follows the policy; set, it must agree with it (the workflow starts on the policy's tag).
      const zendesk = loadZendeskConfig({ ZENDESK_WATCH_TAG: policy.watchTag, ...deps.source });
      if (zendesk.watchTag !== policy.watchTag.toLowerCase()) {
        throw new ConfigError('ZENDESK_WATCH_TAG', `'${zendesk.watchTag}' differs from the policy's watchTag '${policy.watchTag}': set one tag in both`);
      }
      systems.set('zendesk', new ZendeskAdapter({ config: zendesk, redis: deps.redis, prefix: env.REDIS_PREFIX }));
      break;
    }
    case 'jira': {
      // As for Zendesk: unset, JIRA_WATCH_LABEL follows the policy's watchTag; set, it must agree with it.
      const jira = loadJiraConfig({ JIRA_WATCH_LABEL: policy.watchTag, ...deps.source });
      if (jira.watchLabel !== policy.watchTag.toLowerCase()) {
        throw new ConfigError('JIRA_WATCH_LABEL', `'${jira.watchLabel}' differs from the policy's watchTag '${policy.watchTag}': set one label in both`);
      }
      systems.set('jira', new JiraAdapter({ config: jira, redis: deps.redis, prefix: env.REDIS_PREFIX }));
      break;
    }
    case 'servicenow': {
      // ServiceNow has no ticket tags: a watched incident (SERVICENOW_WATCH_CATEGORY) carries the policy's watchTag.
      const servicenow = loadServiceNowConfig(deps.source, policy.watchTag);
      systems.set('servicenow', new ServiceNowAdapter({ config: servicenow, redis: deps.redis, prefix: env.REDIS_PREFIX }));
      break;
    }
    case 'rt': {
      // RT has no tags: a watched ticket (RT_QUEUE, RT_WATCH_FIELD = RT_WATCH_VALUE) carries the policy's watchTag.
      const rt = loadRtConfig(deps.source, { watchValue: policy.watchTag });
      systems.set('rt', new RtAdapter({ config: rt, redis: deps.redis, prefix: env.REDIS_PREFIX, watchTag: policy.watchTag }));
      break;
    }
    case 'connectwise': {
      // ConnectWise tickets have no tags: a watched ticket (CONNECTWISE_BOARD_ID + watch type) carries the policy's watchTag.
      const connectwise = loadConnectWiseConfig(deps.source, policy.watchTag);
      systems.set('connectwise', new ConnectWiseAdapter({ config: connectwise, redis: deps.redis, prefix: env.REDIS_PREFIX }));
      break;
    }
    case 'halo': {
      // Halo has no ticket tags the API writes: a watched ticket (HALO_WATCH_TICKET_TYPE_ID / category) carries the policy's watchTag.
      const halo = loadHaloConfig(deps.source, policy.watchTag);
      systems.set('halo', new HaloAdapter({ config: halo, redis: deps.redis, prefix: env.REDIS_PREFIX }));
      break;
    }
    default:
      throw new ConfigError('TICKET_SYSTEM', `'${env.TICKET_SYSTEM}' is not built into this version yet`);
  }
  return systems;
}
