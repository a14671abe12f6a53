import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const optionalText = z.preprocess(blankIsUnset, z.string().trim().min(1).optional());
const httpUrl = (what: string) =>
  z
    .string({ error: `required: ${what}` })
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, ''));
const positiveId = (hint: string) => z.preprocess(blankIsUnset, z.coerce.number({ error: hint }).int(hint).positive(hint).optional());

const EnvSchema = z.object({
  /** the resource server: https://acme.halopsa.com (the API is under /api) */
  HALO_BASE_URL: httpUrl('the Resource Server URL without /api, e.g. https://acme.halopsa.com (Configuration > Integrations > Halo API > API Details)').transform((u) => u.replace(/\/api$/i, '')),
  HALO_AUTH_URL: httpUrl('the Authorisation Server URL, e.g. https://acme.halopsa.com/auth (Configuration > Integrations > Halo API > API Details)'),
  HALO_TENANT: optionalText,
  HALO_CLIENT_ID: z.string({ error: "required: the API application's Client ID (Configuration > Integrations > Halo API > View Applications)" }).trim().min(1),
  HALO_CLIENT_SECRET: z.string({ error: "required: the API application's Client Secret" }).min(1),
  HALO_SCOPE: z
    .string()
    .trim()
    .regex(/^[a-z:_]+( [a-z:_]+)*$/, 'space-separated scopes, e.g. "read:tickets edit:tickets read:customers"')
    .default('all'),
  HALO_WATCH_TICKET_TYPE_ID: positiveId('a ticket type id: a whole number (Configuration > Tickets > Ticket Types > the type, its ID)'),
  HALO_WATCH_CATEGORY: optionalText,
  HALO_WEBHOOK_SECRET: z
    .string({ error: "required: the password the Halo webhook's Basic authentication sends (at least 32 random characters)" })
    .min(32, 'too short: use at least 32 random characters (e.g. openssl rand -hex 32), the same as the webhook\'s Basic authentication password'),
  HALO_WEBHOOK_USER: z.string().trim().min(1).regex(/^[^:]+$/, 'a user name without ":"').default('twofa-desk'),
  HALO_ESCALATION_TEAM: optionalText,
  HALO_ESCALATION_AGENT_ID: positiveId('an agent id: a whole number (Configuration > Teams/Agents > the agent, its ID)'),
  HALO_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  HALO_POLL_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  HALO_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(80),
  HALO_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  HALO_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export interface HaloConfig {
  /** the resource server (https://acme.halopsa.com, a proxy, or a fake in tests); the API is `${baseUrl}/api` */
  baseUrl: string;
  /** the authorisation server; the token endpoint is `${authUrl}/token` */
  authUrl: string;
  /** hosted Halo: the tenant name sent with the token request (`?tenant=`) */
  tenant?: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** tickets of this type and/or with this first category are the bot's (both set: both must match) */
  watchTicketTypeId?: number;
  watchCategory?: string;
  /** the policy's watch tag: a watched ticket carries it in its snapshot */
  watchTag: string;
  webhookUser: string;
  webhookSecret: string;
  /** an escalation assigns this team (by name) and/or agent; neither: escalations are only noted */
  escalationTeam?: string;
  escalationAgentId?: number;
  pollIntervalS: number;
  /** the poller lists tickets with an action in this many days (a bound on the listing; open workflows are read anyway) */
  pollLookbackDays: number;
  /** requests per minute to this tenant, summed over every worker */
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

/** Reads and checks the HALO_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadHaloConfig(source: NodeJS.ProcessEnv, watchTag = '2fa_issue'): HaloConfig {
  const env = parseConfig(EnvSchema, source, 'HALO_BASE_URL');
  if (env.HALO_WATCH_TICKET_TYPE_ID === undefined && env.HALO_WATCH_CATEGORY === undefined) {
    throw new ConfigError('HALO_WATCH_TICKET_TYPE_ID', 'required (or HALO_WATCH_CATEGORY): the ticket type id, and/or the first category, that hands a ticket to the bot');
  }
  return {
    baseUrl: env.HALO_BASE_URL,
    authUrl: env.HALO_AUTH_URL,
    ...(env.HALO_TENANT !== undefined ? { tenant: env.HALO_TENANT } : {}),
    clientId: env.HALO_CLIENT_ID,
    clientSecret: env.HALO_CLIENT_SECRET,
    scope: env.HALO_SCOPE,
    ...(env.HALO_WATCH_TICKET_TYPE_ID !== undefined ? { watchTicketTypeId: env.HALO_WATCH_TICKET_TYPE_ID } : {}),
    ...(env.HALO_WATCH_CATEGORY !== undefined ? { watchCategory: env.HALO_WATCH_CATEGORY } : {}),
    watchTag: watchTag.toLowerCase(),
    webhookUser: env.HALO_WEBHOOK_USER,
    webhookSecret: env.HALO_WEBHOOK_SECRET,
    ...(env.HALO_ESCALATION_TEAM !== undefined ? { escalationTeam: env.HALO_ESCALATION_TEAM } : {}),
    ...(env.HALO_ESCALATION_AGENT_ID !== undefined ? { escalationAgentId: env.HALO_ESCALATION_AGENT_ID } : {}),
    pollIntervalS: env.HALO_POLL_INTERVAL_S,
    pollLookbackDays: env.HALO_POLL_LOOKBACK_DAYS,
    rateLimitPerMin: env.HALO_RATE_LIMIT_PER_MIN,
    timeoutMs: env.HALO_TIMEOUT_MS,
    retries: env.HALO_RETRIES,
  };
}
