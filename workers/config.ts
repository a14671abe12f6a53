import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../integrations/shared/config-error.js';
import { DESKS, escalationTargetProblem } from '../integrations/ticketing/escalation-target.js';
import { parseConfig } from '../integrations/shared/parse-config.js';
import { type Policy, PolicySchema, templateOverrideProblems } from '../workflows/resync/index.js';

export const DEFAULT_SEED = fileURLToPath(new URL('../integrations/twofa/local/demo-seed.json', import.meta.url));
/** Only for the embedded desk on one machine; the README says to set LOCAL_DESK_WEBHOOK_SECRET anywhere else. */
export const DEV_LOCAL_DESK_SECRET = 'twofa-desk-local-development-secret';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

interface HostPort {
  host: string;
  port: number;
}

/** `host:port,host:port` (an IPv6 address in brackets: `[::1]:26379`) */
const hostPortList = z
  .string()
  .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, comma-separated')
          .transform((a): HostPort => {
            const at = a.lastIndexOf(':');
            return { host: a.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(a.slice(at + 1)) };
          })
          .refine((a) => a.port > 0 && a.port < 65536, 'port must be 1-65535'),
      )
      .min(1),
  );

/** Every environment variable twofa-desk reads, with its default. docs/configuration.md lists the same. */
export const EnvSchema = z.object({
  /** one server (`rediss://`: TLS); with REDIS_SENTINELS or REDIS_CLUSTER_NODES only its scheme, user, password and db */
  REDIS_URL: z
    .string()
    .url()
    .refine((u) => /^rediss?:\/\//i.test(u), 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_{}-]+$/).default('td'),
  /** ACL user and password of the Redis servers (instead of the URL's, which need percent-encoding) */
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** PEM files for TLS (rediss://, REDIS_SENTINEL_TLS): the CA to trust instead of the system's, a client certificate */
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  REDIS_TLS_CERT_FILE: z.string().min(1).optional(),
  REDIS_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Sentinel: `host:port,host:port` of the sentinels, asked for the master of REDIS_SENTINEL_NAME */
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /** the sentinels themselves speak TLS (with the REDIS_TLS_* files) */
  REDIS_SENTINEL_TLS: bool.default(false),
  /** Cluster: `host:port,…` of some of its nodes (the others are discovered); REDIS_PREFIX needs a hash tag, `{td}` */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** the address the HTTP servers listen on; anything but loopback must pass checkExposure */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  TICKET_SYSTEM: z.enum(DESKS).default('local'),
  TWOFA_PLATFORM: z.enum(['local', 'safenet-sta', 'privacyidea']).default('local'),
  TWOFA_LOCAL_SEED: z.string().default(DEFAULT_SEED),
  TWOFA_LOCAL_WINDOW: z.coerce.number().int().min(1).max(100_000).default(1000),
  /**
   * where the embedded platform keeps its users and tokens (unset: the bot's own Redis). The embedded platform stands
   * for a 2FA system of its own: a test of the bot's Redis failing over keeps the tokens elsewhere, as a real one would.
   */
  TWOFA_LOCAL_REDIS_URL: z.string().url().refine((u) => /^redis:\/\//i.test(u), 'must be a redis:// URL').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POLICY_FILE: z.string().optional(),
  /**
   * the global policy's mode when set (live, shadow, approve-changes: docs/modes.md), over POLICY_FILE's; a tenant's
   * policy in TENANTS_FILE may set its own. Not `MODE`: Vite and vitest set MODE=test in every process they start,
   * and a safety switch must refuse a value it does not know rather than share a name other tools use.
   */
  TWOFA_MODE: z.enum(['live', 'shadow', 'approve-changes']).optional(),
  /** the customers one deployment serves, each with its own 2FA platform and policy (docs/tenants.md); unset: one */
  TENANTS_FILE: z.string().min(1).optional(),
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
  /** how long SLA records are kept (days); older ones are trimmed when a record is saved, at most once a minute per process, by close time */
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

/**
 * The hash tag Redis Cluster places every key that starts with `prefix` by (the text between the first `{` and the
 * next `}`, when not empty), or undefined: then each key goes to its own slot.
 */
function redisHashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/** The Redis variables that only make sense together; throws ConfigError naming the one to change. */
export function checkRedis(env: Env): void {
  const tls = /^rediss:/i.test(env.REDIS_URL);
  if (env.REDIS_SENTINELS && env.REDIS_CLUSTER_NODES) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  }
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
    throw new ConfigError('REDIS_SENTINEL_NAME', 'required with REDIS_SENTINELS: the master group name of sentinel.conf (`sentinel monitor <name> …`)');
  }
  if (!env.REDIS_SENTINELS) {
    for (const v of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[v] !== undefined) throw new ConfigError(v, 'only used with REDIS_SENTINELS, which is not set');
    }
    if (env.REDIS_SENTINEL_TLS) throw new ConfigError('REDIS_SENTINEL_TLS', 'only used with REDIS_SENTINELS, which is not set');
  }
  for (const v of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const) {
    // Without TLS the file would be ignored and the connection go in clear text: refuse rather than surprise.
    if (env[v] !== undefined && !tls && !env.REDIS_SENTINEL_TLS) throw new ConfigError(v, 'only used with TLS: set REDIS_URL to rediss://…');
  }
  if ((env.REDIS_TLS_CERT_FILE === undefined) !== (env.REDIS_TLS_KEY_FILE === undefined)) {
    throw new ConfigError(env.REDIS_TLS_CERT_FILE ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE', 'the client certificate needs both REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE');
  }
  if (env.REDIS_CLUSTER_NODES) {
    if (!redisHashTag(env.REDIS_PREFIX)) {
      throw new ConfigError('REDIS_PREFIX', `on a Redis Cluster the prefix needs a hash tag, e.g. {${env.REDIS_PREFIX.replace(/[{}]/g, '') || 'td'}}: the scripts and queues read several keys in one step, which must be on one slot`);
    }
    const db = new URL(env.REDIS_URL).pathname.replace(/^\//, '');
    if (db !== '' && db !== '0') throw new ConfigError('REDIS_URL', `a Redis Cluster has database 0 only (the URL names /${db})`);
  }
}

/** Parses the environment once at start-up; a bad value stops start-up with the variable's name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, overrides: { policy?: Policy } = {}): Config {
  const env = parseConfig(EnvSchema, source, 'environment');
  checkRedis(env);
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
    // A template that would break a message stops start-up here, not in front of a requester (docs/languages.md).
    const problems = templateOverrideProblems(policy);
    if (problems.length > 0) {
      throw new ConfigError('POLICY_FILE', problems.map((t) => `templates.${t.language}.${t.template}: ${t.message}`).join('; '));
    }
    const target = policy.escalationTarget !== undefined ? escalationTargetProblem(env.TICKET_SYSTEM, policy.escalationTarget) : undefined;
    if (target !== undefined) throw new ConfigError('POLICY_FILE', `escalationTarget: ${target} (TICKET_SYSTEM=${env.TICKET_SYSTEM})`);
  }
  if (env.TWOFA_MODE !== undefined) policy = { ...policy, mode: env.TWOFA_MODE };
  return { env, policy };
}
