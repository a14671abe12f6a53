import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const optionalText = z.preprocess(blankIsUnset, z.string().min(1).optional());
/** A sys_id: 32 hexadecimal characters (Table API "sys_id" of every record). */
const sysId = z.preprocess(blankIsUnset, z.string().regex(/^[0-9a-f]{32}$/i, 'a sys_id: 32 hexadecimal characters, e.g. from the group record\'s "Copy sys_id"').optional());
/** A choice value as stored (category and subcategory are choice fields): no spaces, no query operators. */
const choiceValue = z.string().trim().regex(/^[^\s^=,]+$/, 'the choice value as stored (System Definition > Choice Lists > Value), not its label: one word without ^ = or ,');

const EnvSchema = z.object({
  SERVICENOW_INSTANCE_URL: z
    .string({ error: 'required: the instance URL, e.g. https://acme.service-now.com' })
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, '')),
  SERVICENOW_USER: optionalText,
  SERVICENOW_PASSWORD: optionalText,
  SERVICENOW_CLIENT_ID: optionalText,
  SERVICENOW_CLIENT_SECRET: optionalText,
  SERVICENOW_WATCH_CATEGORY: z.preprocess(blankIsUnset, choiceValue.optional()),
  SERVICENOW_WATCH_SUBCATEGORY: z.preprocess(blankIsUnset, choiceValue.optional()),
  SERVICENOW_ESCALATION_GROUP_SYS_ID: sysId,
  SERVICENOW_WEBHOOK_SECRET: z
    .string({ error: 'required: the secret the Business Rule signs its notifications with (the system property twofa_desk.webhook_secret)' })
    .min(32, 'too short: use at least 32 random characters (e.g. openssl rand -hex 32), the same in the system property twofa_desk.webhook_secret'),
  SERVICENOW_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  SERVICENOW_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(120),
  SERVICENOW_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  SERVICENOW_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export type ServiceNowCredentials = { kind: 'basic'; user: string; password: string } | { kind: 'oauth'; clientId: string; clientSecret: string };

export interface ServiceNowConfig {
  /** https://<instance>.service-now.com (or a proxy, or a fake in tests) */
  instanceUrl: string;
  credentials: ServiceNowCredentials;
  webhookSecret: string;
  /** incidents with this category value (and subcategory, when set) are the bot's */
  watchCategory: string;
  watchSubcategory?: string;
  /** the policy's watch tag: a watched incident carries it in its snapshot (ServiceNow has no ticket tags) */
  watchTag: string;
  /** the sys_user_group an escalation assigns; none: escalations are only noted */
  escalationGroupSysId?: string;
  pollIntervalS: number;
  /** requests per minute to this instance, summed over every worker */
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

/** Reads and checks the SERVICENOW_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadServiceNowConfig(source: NodeJS.ProcessEnv, watchTag = '2fa_issue'): ServiceNowConfig {
  const env = parseConfig(EnvSchema, source, 'SERVICENOW_INSTANCE_URL');
  if (env.SERVICENOW_WATCH_CATEGORY === undefined) {
    throw new ConfigError('SERVICENOW_WATCH_CATEGORY', 'required: the incident category value that hands an incident to the bot (e.g. two_factor)');
  }
  let credentials: ServiceNowCredentials;
  const oauth = env.SERVICENOW_CLIENT_ID !== undefined || env.SERVICENOW_CLIENT_SECRET !== undefined;
  if (oauth) {
    if (env.SERVICENOW_PASSWORD !== undefined) throw new ConfigError('SERVICENOW_CLIENT_ID', 'set either SERVICENOW_USER + SERVICENOW_PASSWORD or SERVICENOW_CLIENT_ID + SERVICENOW_CLIENT_SECRET, not both');
    if (env.SERVICENOW_CLIENT_ID === undefined) throw new ConfigError('SERVICENOW_CLIENT_ID', 'required with SERVICENOW_CLIENT_SECRET: the OAuth application registry entry\'s Client ID');
    if (env.SERVICENOW_CLIENT_SECRET === undefined) throw new ConfigError('SERVICENOW_CLIENT_SECRET', 'required with SERVICENOW_CLIENT_ID: the OAuth application registry entry\'s Client Secret');
    credentials = { kind: 'oauth', clientId: env.SERVICENOW_CLIENT_ID, clientSecret: env.SERVICENOW_CLIENT_SECRET };
  } else if (env.SERVICENOW_USER === undefined) {
    throw new ConfigError('SERVICENOW_USER', 'required (with SERVICENOW_PASSWORD) unless SERVICENOW_CLIENT_ID + SERVICENOW_CLIENT_SECRET are set: the bot\'s User ID');
  } else if (env.SERVICENOW_PASSWORD === undefined) {
    throw new ConfigError('SERVICENOW_PASSWORD', 'required with SERVICENOW_USER: the password of the bot\'s user');
  } else {
    credentials = { kind: 'basic', user: env.SERVICENOW_USER, password: env.SERVICENOW_PASSWORD };
  }
  return {
    instanceUrl: env.SERVICENOW_INSTANCE_URL,
    credentials,
    webhookSecret: env.SERVICENOW_WEBHOOK_SECRET,
    watchCategory: env.SERVICENOW_WATCH_CATEGORY,
    ...(env.SERVICENOW_WATCH_SUBCATEGORY !== undefined ? { watchSubcategory: env.SERVICENOW_WATCH_SUBCATEGORY } : {}),
    watchTag: watchTag.toLowerCase(),
    ...(env.SERVICENOW_ESCALATION_GROUP_SYS_ID !== undefined ? { escalationGroupSysId: env.SERVICENOW_ESCALATION_GROUP_SYS_ID.toLowerCase() } : {}),
    pollIntervalS: env.SERVICENOW_POLL_INTERVAL_S,
    rateLimitPerMin: env.SERVICENOW_RATE_LIMIT_PER_MIN,
    timeoutMs: env.SERVICENOW_TIMEOUT_MS,
    retries: env.SERVICENOW_RETRIES,
  };
}
