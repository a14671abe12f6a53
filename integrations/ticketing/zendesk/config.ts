import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const optionalText = z.preprocess(blankIsUnset, z.string().min(1).optional());

const EnvSchema = z.object({
  ZENDESK_SUBDOMAIN: z.preprocess(
    blankIsUnset,
    z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, 'the part before .zendesk.com, e.g. "acme"').optional(),
  ),
  ZENDESK_BASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  ),
  ZENDESK_EMAIL: optionalText,
  ZENDESK_API_TOKEN: optionalText,
  ZENDESK_OAUTH_TOKEN: optionalText,
  ZENDESK_WEBHOOK_SECRET: z
    .string({ error: 'required: the signing secret of the webhook (Admin Center > Apps and integrations > Webhooks > the webhook > Reveal secret)' })
    .min(16, 'too short for a Zendesk signing secret: copy it whole from the webhook\'s page'),
  ZENDESK_WATCH_TAG: z
    .string()
    .regex(/^[^\s,]+$/, 'tags are single words without spaces or commas')
    .transform((t) => t.toLowerCase())
    .default('2fa_issue'),
  ZENDESK_ESCALATION_GROUP_ID: z.preprocess(
    blankIsUnset,
    z.string().regex(/^[1-9][0-9]*$/, 'the numeric id of a Zendesk group').optional(),
  ),
  ZENDESK_SOLVE_ASSIGNEE_ID: z.preprocess(
    blankIsUnset,
    z.string().regex(/^[1-9][0-9]*$/, 'the numeric id of a Zendesk agent').optional(),
  ),
  ZENDESK_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  ZENDESK_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(200),
  ZENDESK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ZENDESK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export type ZendeskCredentials = { kind: 'token'; email: string; token: string } | { kind: 'oauth'; token: string };

export interface ZendeskConfig {
  /** https://{subdomain}.zendesk.com, or ZENDESK_BASE_URL */
  baseUrl: string;
  credentials: ZendeskCredentials;
  webhookSecret: string;
  watchTag: string;
  /** group an escalation assigns; none: escalations only tag and note */
  escalationGroupId?: string;
  /** the agent a ticket the bot solves is assigned to when it has no assignee; none: the bot's own user */
  solveAssigneeId?: string;
  pollIntervalS: number;
  /** requests per minute to this account, summed over every worker */
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

/** Reads and checks the ZENDESK_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadZendeskConfig(source: NodeJS.ProcessEnv): ZendeskConfig {
  const env = parseConfig(EnvSchema, source, 'ZENDESK_SUBDOMAIN');
  let baseUrl: string;
  if (env.ZENDESK_BASE_URL !== undefined) baseUrl = env.ZENDESK_BASE_URL;
  else if (env.ZENDESK_SUBDOMAIN !== undefined) baseUrl = `https://${env.ZENDESK_SUBDOMAIN.toLowerCase()}.zendesk.com`;
  else throw new ConfigError('ZENDESK_SUBDOMAIN', 'required (or ZENDESK_BASE_URL): the account is https://<subdomain>.zendesk.com');

  let credentials: ZendeskCredentials;
  if (env.ZENDESK_OAUTH_TOKEN !== undefined) {
    if (env.ZENDESK_API_TOKEN !== undefined) throw new ConfigError('ZENDESK_OAUTH_TOKEN', 'set either ZENDESK_OAUTH_TOKEN or ZENDESK_API_TOKEN, not both');
    credentials = { kind: 'oauth', token: env.ZENDESK_OAUTH_TOKEN };
  } else if (env.ZENDESK_API_TOKEN === undefined) {
    throw new ConfigError('ZENDESK_API_TOKEN', 'required (with ZENDESK_EMAIL) unless ZENDESK_OAUTH_TOKEN is set');
  } else if (env.ZENDESK_EMAIL === undefined || !z.email().safeParse(env.ZENDESK_EMAIL).success) {
    throw new ConfigError('ZENDESK_EMAIL', 'required with ZENDESK_API_TOKEN: the email of the agent the token acts as');
  } else {
    credentials = { kind: 'token', email: env.ZENDESK_EMAIL, token: env.ZENDESK_API_TOKEN };
  }
  return {
    baseUrl,
    credentials,
    webhookSecret: env.ZENDESK_WEBHOOK_SECRET,
    watchTag: env.ZENDESK_WATCH_TAG,
    ...(env.ZENDESK_ESCALATION_GROUP_ID !== undefined ? { escalationGroupId: env.ZENDESK_ESCALATION_GROUP_ID } : {}),
    ...(env.ZENDESK_SOLVE_ASSIGNEE_ID !== undefined ? { solveAssigneeId: env.ZENDESK_SOLVE_ASSIGNEE_ID } : {}),
    pollIntervalS: env.ZENDESK_POLL_INTERVAL_S,
    rateLimitPerMin: env.ZENDESK_RATE_LIMIT_PER_MIN,
    timeoutMs: env.ZENDESK_TIMEOUT_MS,
    retries: env.ZENDESK_RETRIES,
  };
}
