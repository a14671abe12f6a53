import type { CheckResult } from '../../shared/check-probe.js';
import { InvalidSeed, loadSeedFile } from './seed.js';

/**
 * `platform check` for the embedded platform: the seed file (TWOFA_LOCAL_SEED) is readable and valid, and
 * what it holds. Problems name the file and the field, never a secret.
 */
export async function checkLocal(seedPath: string): Promise<CheckResult> {
  const lines = [`· embedded platform, seed ${seedPath}`];
  try {
    const seed = await loadSeedFile(seedPath);
    lines.push(`✓ the seed file is readable and valid`);
    const kinds = (kind: string) => seed.tokens.filter((t) => t.kind === kind).length;
    const ok = seed.users.length > 0;
    lines.push(
      ok ? `✓ ${seed.users.length} users, ${seed.groups.length} groups` : '✗ the seed has no users: nobody can be found',
      `· ${seed.tokens.length} tokens (${kinds('mobilepass')} MobilePASS, ${kinds('kt4')} KT-4); every step of the runbook is automated`,
    );
    return { ok, lines };
  } catch (err) {
    if (err instanceof InvalidSeed) return { ok: false, lines: [...lines, `✗ TWOFA_LOCAL_SEED: ${err.problems.join('; ')}`] };
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.name : 'error');
    return { ok: false, lines: [...lines, `✗ TWOFA_LOCAL_SEED: cannot read ${seedPath} (${code})`] };
  }
}
