import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PolicySchema, type Policy } from '../workflows/resync/policy.js';

export const DEFAULT_SEED = fileURLToPath(new URL('../integrations/twofa/local/demo-seed.json', import.meta.url));
/** Only for the embedded desk on one machine; the README says to set LOCAL_DESK_WEBHOOK_SECRET anywhere else. */
export const DEV_LOCAL_DESK_SECRET = 'twofa-desk-local-development-secret';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every environment variable twofa-desk reads, with its default. The README lists the same. */
export const EnvSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_{}-]+$/).default('td'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** the address the HTTP servers listen on; anything but loopback must pass checkExposure */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  TICKET_SYSTEM: z.enum(['local', 'zendesk']).default('local'),
  TWOFA_PLATFORM: z.enum(['local', 'safenet-sta', 'privacyidea']).default('local'),
  TWOFA_LOCAL_SEED: z.string().default(DEFAULT_SEED),
  TWOFA_LOCAL_WINDOW: z.coerce.number().int().min(1).max(100_000).default(1000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POLICY_FILE: z.string().optional(),
  LOCAL_DESK_URL: z.string().url().optional(),
  LOCAL_DESK_WEBHOOK_SECRET: z.string().min(16).default(DEV_LOCAL_DESK_SECRET),
  LOCAL_DESK_API_TOKEN: z.string().min(16).optional(),
  LOCAL_DESK_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  LOCAL_DESK_ESCALATION_GROUP: z.string().default('Service Desk L2'),
  /** serve the embedded desk's API from this process (TICKET_SYSTEM=local) */
  LOCAL_DESK_SERVE: bool.default(true),
  /** what this process does: `intake` (HTTP: webhooks, health, desk), `workers` (events, effects, timers, poller, sweeper) */
  ROLES: z
    .string()
    .default('intake,workers')
    .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['intake', 'workers'])).min(1)),
  EVENT_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  EFFECT_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  EFFECT_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  EFFECT_BACKOFF_MS: z.coerce.number().int().min(10).default(1000),
  /** run a drain's effects in the drain itself (one job per ticket step instead of one per effect); false: a job each */
  EFFECTS_INLINE: bool.default(true),
  /**
   * tickets that may wait for a drain in this process (intake and workers in one process); beyond it, and with 0, a
   * ticket's drain is a job any worker process can take
   */
  LOCAL_DRAIN_BACKLOG: z.coerce.number().int().min(0).default(64),
  POLL_INTERVAL_S: z.coerce.number().int().min(1).default(60),
  SWEEP_INTERVAL_S: z.coerce.number().int().min(1).default(10),
  /** a job whose worker stopped renewing its lock this long is taken over by another worker (BullMQ stalled jobs) */
  JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** port of GET /metrics in a process without the intake role (ROLES=workers); unset: not served */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** how long SLA records are kept (days); older ones are trimmed as new ones are saved */
  SLA_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** days an ended ticket's workflow is kept after its last change (0: for good) */
  WORKFLOW_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** bearer token of the operations routes (/admin/*, /sla/*, /dashboard); unset: loopback only, read-only */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /**
   * the address agents reach this service at (https://twofa-desk.example.com), for the one-time code page linked from
   * an internal note (/assist/…); unset: http://127.0.0.1:PORT, reachable from this machine only
   */
  PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
});
export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly variable: string, readonly reason: string) {
    super(`${variable}: ${reason}`);
  }
}

export interface Config {
  env: Env;
  policy: Policy;
}

/** Addresses only this machine can reach (a host name other than localhost may resolve to anything). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The start-up check of what this process opens to other machines. The demo and the tests listen on loopback, where
 * the built-in desk secret is allowed; beyond it the embedded desk must have a secret of its own (the built-in one is
 * in this source, so anyone could sign a desk webhook and forge an agent's `2fa_approved` tag) and an API token (its
 * tickets hold codes in requester comments and internal notes). Throws ConfigError naming the variable; returns the
 * routes reachable from other machines (none on loopback), for the start-up log.
 */
export function checkExposure(env: Env): string[] {
  if (isLoopbackHost(env.HOST)) return [];
  const beyond = `HOST=${env.HOST} listens beyond loopback`;
  const intake = env.ROLES.includes('intake');
  const desk = intake && env.TICKET_SYSTEM === 'local' && env.LOCAL_DESK_SERVE;
  if (intake && env.TICKET_SYSTEM === 'local' && env.LOCAL_DESK_WEBHOOK_SECRET === DEV_LOCAL_DESK_SECRET) {
    throw new ConfigError('LOCAL_DESK_WEBHOOK_SECRET', `${beyond}: set a secret of your own (the built-in development secret is published in the source, so anyone could sign desk webhooks and forge an agent's tags)`);
  }
  if (desk && !env.LOCAL_DESK_API_TOKEN) {
    throw new ConfigError('LOCAL_DESK_API_TOKEN', `${beyond}: set a token of at least 16 characters (without it anyone who reaches the port reads every ticket, codes and internal notes included, and changes tags as an agent)`);
  }
  if (!intake) return env.METRICS_PORT !== undefined ? ['/metrics (no authentication)'] : [];
  return [
    `/webhooks/${env.TICKET_SYSTEM} (signed webhooks)`,
    '/healthz, /readyz, /metrics (no authentication)',
    env.ADMIN_TOKEN ? '/admin, /sla, /dashboard, /assist (ADMIN_TOKEN)' : '/admin, /sla, /dashboard (refused to other machines: ADMIN_TOKEN is unset)',
    ...(desk ? ['/desk/api: the embedded desk, every ticket and comment (LOCAL_DESK_API_TOKEN)'] : []),
  ];
}

/** Parses the environment once at start-up; a bad value stops start-up with the variable's name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, overrides: { policy?: Policy } = {}): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid');
  }
  const env = parsed.data;
  let policy = overrides.policy;
  if (!policy) {
    let raw: unknown = {};
    if (env.POLICY_FILE) {
      try {
        raw = JSON.parse(readFileSync(env.POLICY_FILE, 'utf8'));
      } catch (err) {
        throw new ConfigError('POLICY_FILE', `cannot read ${env.POLICY_FILE} as JSON: ${(err as Error).message}`);
      }
    }
    const p = PolicySchema.safeParse(raw);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new ConfigError('POLICY_FILE', `${issue?.path.join('.') || 'policy'}: ${issue?.message ?? 'invalid'}`);
    }
    policy = p.data;
  }
  return { env, policy };
}
