import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const optionalText = z.preprocess(blankIsUnset, z.string().trim().min(1).optional());

const EnvSchema = z.object({
  RT_URL: z
    .string({ error: 'required: the base URL of RT (REST 2.0 is under it at /REST/2.0), e.g. https://rt.example.edu or https://example.edu/rt' })
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, '').replace(/\/REST\/2\.0$/i, '')),
  RT_TOKEN: optionalText,
  RT_USER: optionalText,
  RT_PASSWORD: optionalText,
  RT_QUEUE: z.string({ error: 'required: the name (or numeric id) of the queue whose tickets the bot watches' }).trim().min(1),
  RT_WATCH_FIELD: optionalText,
  RT_WATCH_VALUE: optionalText,
  RT_ESCALATION_QUEUE: optionalText,
  RT_ESCALATION_OWNER: optionalText,
  RT_WEBHOOK_SECRET: z.preprocess(
    blankIsUnset,
    z.string().min(16, 'too short: use at least 16 random characters (the same string as the Scrip\'s $TwofaDeskWebhookSecret)').optional(),
  ),
  RT_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(30),
  RT_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(120),
  RT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  RT_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

export type RtCredentials = { kind: 'token'; user: string; token: string } | { kind: 'basic'; user: string; password: string };

export interface RtConfig {
  /** RT's base URL without a trailing slash; the API is `${baseUrl}/REST/2.0` */
  baseUrl: string;
  /** `user` is the bot's RT user name either way: RT has no who-am-I endpoint for a token */
  credentials: RtCredentials;
  /** the queue watched: a name or a numeric id */
  queue: string;
  /** a custom field whose value RT_WATCH_VALUE marks a ticket of the queue as a 2FA issue; its other values are the ticket's tags */
  watchField?: string;
  watchValue?: string;
  escalationQueue?: string;
  escalationOwner?: string;
  /** unset: the Scrip's notifications are refused (the poller alone carries tickets) */
  webhookSecret?: string;
  pollIntervalS: number;
  /** requests per minute to this RT, summed over every worker */
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

/** Reads and checks the RT_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadRtConfig(source: NodeJS.ProcessEnv, defaults: { watchValue?: string } = {}): RtConfig {
  const env = parseConfig(EnvSchema, source, 'RT_URL');
  if (env.RT_USER === undefined) {
    throw new ConfigError('RT_USER', 'required: the bot\'s RT user name (with RT_PASSWORD, or the owner of RT_TOKEN: RT has no "who am I" for a token, and the bot must know its own transactions)');
  }
  let credentials: RtCredentials;
  if (env.RT_TOKEN !== undefined) {
    if (env.RT_PASSWORD !== undefined) throw new ConfigError('RT_TOKEN', 'set either RT_TOKEN or RT_PASSWORD, not both');
    if (!/^\d+-\d+-[0-9a-f]+$/i.test(env.RT_TOKEN)) throw new ConfigError('RT_TOKEN', 'not an RT auth token (the string RT shows once when the token is made: <digit>-<user id>-<hex>)');
    credentials = { kind: 'token', user: env.RT_USER, token: env.RT_TOKEN };
  } else if (env.RT_PASSWORD !== undefined) {
    credentials = { kind: 'basic', user: env.RT_USER, password: env.RT_PASSWORD };
  } else {
    throw new ConfigError('RT_TOKEN', 'required (or RT_PASSWORD with RT_USER): an auth token of the bot\'s RT user');
  }
  if (env.RT_WATCH_VALUE !== undefined && env.RT_WATCH_FIELD === undefined) {
    throw new ConfigError('RT_WATCH_FIELD', 'required with RT_WATCH_VALUE: the name of the custom field that holds it');
  }
  const watchValue = env.RT_WATCH_FIELD !== undefined ? (env.RT_WATCH_VALUE ?? defaults.watchValue ?? '2fa_issue') : undefined;
  return {
    baseUrl: env.RT_URL,
    credentials,
    queue: env.RT_QUEUE,
    ...(env.RT_WATCH_FIELD !== undefined ? { watchField: env.RT_WATCH_FIELD } : {}),
    ...(watchValue !== undefined ? { watchValue } : {}),
    ...(env.RT_ESCALATION_QUEUE !== undefined ? { escalationQueue: env.RT_ESCALATION_QUEUE } : {}),
    ...(env.RT_ESCALATION_OWNER !== undefined ? { escalationOwner: env.RT_ESCALATION_OWNER } : {}),
    ...(env.RT_WEBHOOK_SECRET !== undefined ? { webhookSecret: env.RT_WEBHOOK_SECRET } : {}),
    pollIntervalS: env.RT_POLL_INTERVAL_S,
    rateLimitPerMin: env.RT_RATE_LIMIT_PER_MIN,
    timeoutMs: env.RT_TIMEOUT_MS,
    retries: env.RT_RETRIES,
  };
}
