import { checkLocal } from '../../integrations/twofa/local/check.js';
import { checkPrivacyIdea } from '../../integrations/twofa/privacyidea/check.js';
import { checkSafeNetSta } from '../../integrations/twofa/safenet-sta/check.js';
import { EnvSchema } from '../config.js';
import { UsageError, type CliContext } from './command.js';

const PlatformEnv = EnvSchema.pick({ TWOFA_PLATFORM: true, TWOFA_LOCAL_SEED: true });

/**
 * `twofa-desk platform check`: the platform TWOFA_PLATFORM selects, checked with the adapter's own check
 * (configuration, credentials, one harmless call per permission the bot needs). One ✓/✗/· line each; exit 0
 * when everything the bot needs works, 1 when something is missing.
 */
export async function run(ctx: CliContext): Promise<number> {
  const [sub, ...extra] = ctx.args;
  if (sub !== 'check' || extra.length > 0) throw new UsageError(sub === undefined ? 'missing sub-command' : `unexpected argument '${sub === 'check' ? extra[0] : sub}'`);
  const parsed = PlatformEnv.safeParse(ctx.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    ctx.out(`✗ ${String(issue?.path[0] ?? 'TWOFA_PLATFORM')}: ${issue?.message ?? 'invalid'}`);
    return 1;
  }
  const { TWOFA_PLATFORM: platform, TWOFA_LOCAL_SEED: seed } = parsed.data;
  ctx.out(`2FA platform: ${platform}`);
  const result =
    platform === 'privacyidea' ? await checkPrivacyIdea(ctx.env) : platform === 'safenet-sta' ? await checkSafeNetSta(ctx.env) : await checkLocal(seed);
  for (const line of result.lines) ctx.out(`  ${line}`);
  ctx.out(result.ok ? '✓ ready' : '✗ not ready: fix the ✗ lines above');
  return result.ok ? 0 : 1;
}
