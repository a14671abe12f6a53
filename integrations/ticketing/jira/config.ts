import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const optionalText = z.preprocess(blankIsUnset, z.string().min(1).optional());
const statusName = (fallback: string) => z.preprocess(blankIsUnset, z.string().trim().min(1).max(255).default(fallback));

const EnvSchema = z.object({
  JIRA_BASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string({ error: 'required: https://<site>.atlassian.net (API token) or https://api.atlassian.com/ex/jira/<cloudId> (OAuth 2.0)' })
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  JIRA_EMAIL: optionalText,
  JIRA_API_TOKEN: optionalText,
  JIRA_OAUTH_TOKEN: optionalText,
  JIRA_SERVICE_DESK_ID: z.preprocess(
    blankIsUnset,
    z.string({ error: 'required: the numeric id of the service project (Project settings > the portal URL …/servicedesk/<id>)' }).regex(/^[1-9][0-9]*$/, 'the numeric id of a service desk'),
  ),
  JIRA_WEBHOOK_SECRET: z
    .string({ error: 'required: the secret saved with the Jira webhook (and sent by an Automation rule in X-Twofa-Desk-Secret)' })
    .min(16, 'too short: use at least 16 random characters (Jira\'s "Generate secret" makes 32)'),
  JIRA_WATCH_LABEL: z
    .string()
    .regex(/^[^\s,]+$/, 'Jira labels are single words without spaces or commas')
    .default('2fa_issue'),
  JIRA_REQUEST_TYPE_ID: z.preprocess(blankIsUnset, z.string().regex(/^[1-9][0-9]*$/, 'the numeric id of a request type').optional()),
  JIRA_ESCALATION_ASSIGNEE: z.preprocess(blankIsUnset, z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'an Atlassian account id, e.g. 5b10ac8d82e05b22cc7d4ef5').optional()),
  JIRA_STATUS_PENDING: statusName('Waiting for customer'),
  JIRA_STATUS_OPEN: statusName('Waiting for support'),
  JIRA_STATUS_SOLVED: statusName('Resolved'),
  JIRA_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  JIRA_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(100),
  JIRA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  JIRA_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export type JiraCredentials = { kind: 'token'; email: string; token: string } | { kind: 'oauth'; token: string };

/** The Jira status the bot moves a request to for each workflow status (by name, through an available transition). */
export interface JiraStatusNames {
  pending: string;
  open: string;
  solved: string;
}

export interface JiraConfig {
  /** https://<site>.atlassian.net, or https://api.atlassian.com/ex/jira/<cloudId> with OAuth 2.0 (3LO) */
  baseUrl: string;
  credentials: JiraCredentials;
  serviceDeskId: string;
  webhookSecret: string;
  /** lower case: Jira keeps labels as typed, the bot compares without case */
  watchLabel: string;
  /** requests of this type are the bot's too (it adds the watch label to them) */
  requestTypeId?: string;
  /** the account an escalated request is assigned to; none: escalations are labelled and noted (a queue on the label) */
  escalationAssignee?: string;
  statusNames: JiraStatusNames;
  pollIntervalS: number;
  /** requests per minute to this site, summed over every worker */
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

/** Reads and checks the JIRA_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadJiraConfig(source: NodeJS.ProcessEnv): JiraConfig {
  const env = parseConfig(EnvSchema, source, 'JIRA_BASE_URL');
  let credentials: JiraCredentials;
  if (env.JIRA_OAUTH_TOKEN !== undefined) {
    if (env.JIRA_API_TOKEN !== undefined) throw new ConfigError('JIRA_OAUTH_TOKEN', 'set either JIRA_OAUTH_TOKEN or JIRA_API_TOKEN, not both');
    credentials = { kind: 'oauth', token: env.JIRA_OAUTH_TOKEN };
  } else if (env.JIRA_API_TOKEN === undefined) {
    throw new ConfigError('JIRA_API_TOKEN', 'required (with JIRA_EMAIL) unless JIRA_OAUTH_TOKEN is set');
  } else if (env.JIRA_EMAIL === undefined || !z.email().safeParse(env.JIRA_EMAIL).success) {
    throw new ConfigError('JIRA_EMAIL', 'required with JIRA_API_TOKEN: the email of the Atlassian account the token belongs to');
  } else {
    credentials = { kind: 'token', email: env.JIRA_EMAIL, token: env.JIRA_API_TOKEN };
  }
  return {
    baseUrl: env.JIRA_BASE_URL,
    credentials,
    serviceDeskId: env.JIRA_SERVICE_DESK_ID,
    webhookSecret: env.JIRA_WEBHOOK_SECRET,
    watchLabel: env.JIRA_WATCH_LABEL.toLowerCase(),
    ...(env.JIRA_REQUEST_TYPE_ID !== undefined ? { requestTypeId: env.JIRA_REQUEST_TYPE_ID } : {}),
    ...(env.JIRA_ESCALATION_ASSIGNEE !== undefined ? { escalationAssignee: env.JIRA_ESCALATION_ASSIGNEE } : {}),
    statusNames: { pending: env.JIRA_STATUS_PENDING, open: env.JIRA_STATUS_OPEN, solved: env.JIRA_STATUS_SOLVED },
    pollIntervalS: env.JIRA_POLL_INTERVAL_S,
    rateLimitPerMin: env.JIRA_RATE_LIMIT_PER_MIN,
    timeoutMs: env.JIRA_TIMEOUT_MS,
    retries: env.JIRA_RETRIES,
  };
}
