import { configProblem, type CheckResult } from '../../integrations/shared/check-probe.js';
import { parseConfig } from '../../integrations/shared/parse-config.js';
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
  const result = await checkPlatform(ctx.env);
  if (result.platform === undefined) {
    for (const line of result.lines) ctx.out(line);
    return 1;
  }
  ctx.out(`2FA platform: ${result.platform}`);
  for (const line of result.lines) ctx.out(`  ${line}`);
  ctx.out(result.ok ? '✓ ready' : '✗ not ready: fix the ✗ lines above');
  return result.ok ? 0 : 1;
}

/**
 * The check of the platform `env` selects: TWOFA_PLATFORM and that adapter's own variables (the process's, or a
 * tenant's settings for `tenants check`). No `platform` when TWOFA_PLATFORM itself is wrong.
 */
export async function checkPlatform(env: NodeJS.ProcessEnv): Promise<CheckResult & { platform?: string }> {
  let selected;
  try {
    selected = parseConfig(PlatformEnv, env, 'TWOFA_PLATFORM');
  } catch (err) {
    return configProblem(err);
  }
  const { TWOFA_PLATFORM: platform, TWOFA_LOCAL_SEED: seed } = selected;
  const result = platform === 'privacyidea' ? await checkPrivacyIdea(env) : platform === 'safenet-sta' ? await checkSafeNetSta(env) : await checkLocal(seed);
  return { platform, ...result };
}
