import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { formatReport, REPORT_FORMATS } from '../observe/sla/report-format.js';
import { BadRange, DEFAULT_SINCE, RangeQuerySchema, resolveRange } from '../observe/sla/range.js';
import { SlaStore } from '../observe/sla/store.js';
import { summarize } from '../observe/sla/summary.js';
import { BadTenant, parseTenantFilter, TENANT_ID } from '../observe/sla/tenant-filter.js';
import { UsageError, type CliContext } from './command.js';
import { MODE_AUDIT_FLAG, modeAuditReport } from '../observe/sla/mode-audit-report.js';

const OptionsSchema = RangeQuerySchema.extend({ format: z.enum(REPORT_FORMATS).default('table') });

/**
 * `twofa-desk report [--since 7d] [--from ISO --to ISO] [--tenant ID] [--format table|csv|json]`: the SLA figures
 * of the tickets closed in the range (the same computation as GET /sla/summary), read from Redis directly
 * (REDIS_URL, REDIS_PREFIX). --from/--to win over --since; --to defaults to now. --tenant: that tenant's tickets
 * only; without it, a row per tenant when records carry tenants. A tenant without SLA records kept exits 1,
 * naming those that have some (a typo is likelier than a customer without a ticket in the retention). The figures
 * include the requester's messages per resolved ticket (mean, p50): what the bot's watch of the auth log brings
 * down from 2 to 1 (docs/one-message.md).
 */
export async function run(ctx: CliContext): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: ctx.args.filter((a) => a !== MODE_AUDIT_FLAG),
      options: { since: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, tenant: { type: 'string' }, format: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const opts = OptionsSchema.safeParse({ since: values.since ?? (values.from ? undefined : DEFAULT_SINCE), from: values.from, to: values.to, format: values.format });
  if (!opts.success) {
    const issue = opts.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? 'option')}: ${issue?.message ?? 'invalid'}`);
  }
  if (values.tenant !== undefined && !TENANT_ID.test(values.tenant)) throw new UsageError('--tenant: a tenant id (lower-case letters, digits, - and _, at most 40 characters, e.g. acme-eu)');
  let range: { from: number; to: number };
  try {
    range = resolveRange(opts.data, Date.now());
  } catch (err) {
    if (err instanceof BadRange) throw new UsageError(err.reason);
    throw err;
  }

  const { env } = loadConfig(ctx.env);
  // One try, no endless reconnects: a CLI should say "Redis is down" and exit, not hang.
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect().catch((err: Error) => {
      throw new Error(`cannot reach Redis at REDIS_URL (${err.message}): check the variable and that the server runs`);
    });
    // --mode-audit: what the bot proposed in shadow / approve-changes mode against what the agents did (docs/modes.md)
    if (ctx.args.includes(MODE_AUDIT_FLAG)) {
      ctx.out(await modeAuditReport(redis, env.REDIS_PREFIX, range, values.tenant, opts.data.format));
      return 0;
    }
    const store = new SlaStore(redis, env.REDIS_PREFIX);
    let tenant: string | undefined;
    try {
      tenant = parseTenantFilter(values.tenant, new Set(await store.tenants()));
    } catch (err) {
      if (!(err instanceof BadTenant)) throw err;
      ctx.err(`--${err.reason} (tenants with SLA records kept)`);
      return 1;
    }
    const records = await store.range(range.from, range.to, tenant);
    ctx.out(formatReport(summarize(records, range, { tenant }), opts.data.format));
    return 0;
  } finally {
    redis.disconnect();
  }
}
