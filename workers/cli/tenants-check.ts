import pLimit from 'p-limit';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../config.js';
import { loadTenants } from '../tenants/load-tenants.js';
import type { TenantConfig } from '../tenants/tenant-config.js';
import { TenantsFileError } from '../tenants/tenants-file-error.js';
import { UsageError, type CliContext } from './command.js';
import { checkPlatform } from './platform-check.js';

/** Platforms checked at once: enough for dozens of tenants, few enough not to look like an attack. */
const CHECKS_AT_ONCE = 4;

function rulesOf(t: TenantConfig): string {
  const { organizations, emailDomains, tags } = t.match;
  const part = (one: string, many: string, values: string[]) => (values.length === 0 ? [] : [`${values.length === 1 ? one : many} ${values.join(', ')}`]);
  return [...part('organization', 'organizations', organizations), ...part('email domain', 'email domains', emailDomains), ...part('tag', 'tags', tags)].join('; ');
}

/**
 * `twofa-desk tenants check`: TENANTS_FILE valid (every problem a ✗ line naming tenant and field), routing rules
 * without overlaps, then each tenant's platform checked with the tenant's own settings, as `platform check` does.
 * Exit 0 only when every tenant is ready. No secret is printed.
 */
export async function run(ctx: CliContext): Promise<number> {
  const [sub, ...extra] = ctx.args;
  if (sub !== 'check' || extra.length > 0) throw new UsageError(sub === undefined ? 'missing sub-command' : `unexpected argument '${sub === 'check' ? extra[0] : sub}'`);
  let tenants: readonly TenantConfig[];
  try {
    const { env, policy } = loadConfig(ctx.env);
    if (env.TENANTS_FILE === undefined) {
      ctx.out('✗ TENANTS_FILE: not set (without it the deployment serves one customer: check it with `twofa-desk platform check`)');
      return 1;
    }
    ctx.out(`Tenants file: ${env.TENANTS_FILE}`);
    tenants = loadTenants(env.TENANTS_FILE, policy, ctx.env).tenants;
  } catch (err) {
    if (err instanceof TenantsFileError) {
      for (const p of err.problems) ctx.out(`✗ ${p}`);
      ctx.out('✗ not ready: fix TENANTS_FILE');
      return 1;
    }
    if (err instanceof ConfigError) {
      ctx.out(`✗ ${err.variable}: ${err.reason}`);
      return 1;
    }
    throw err;
  }
  ctx.out(`✓ ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}, routing rules without overlaps`);
  const limit = pLimit(CHECKS_AT_ONCE);
  const results = await Promise.all(tenants.map((t) => limit(() => checkPlatform({ TWOFA_PLATFORM: t.platform.kind, ...t.platform.settings }))));
  let notReady = 0;
  tenants.forEach((t, i) => {
    const result = results[i] ?? { ok: false, lines: ['✗ not checked'] };
    ctx.out(`tenant ${t.id} (${t.name}): ${t.platform.kind}, at most ${t.concurrency} platform calls at once`);
    ctx.out(`  routes: ${rulesOf(t)}`);
    for (const line of result.lines) ctx.out(`  ${line}`);
    ctx.out(result.ok ? '  ✓ ready' : `  ✗ tenant ${t.id} not ready: fix the ✗ lines above`);
    if (!result.ok) notReady += 1;
  });
  ctx.out(notReady === 0 ? `✓ all ${tenants.length} tenants ready` : `✗ ${notReady} of ${tenants.length} tenants not ready`);
  return notReady === 0 ? 0 : 1;
}
