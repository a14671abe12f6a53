import { loadPrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { loadStaConfig } from '../../integrations/twofa/safenet-sta/config.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { LocalSettings } from '../adapters/platforms.js';
import { fieldOf, type FieldProblem } from './field-problem.js';
import type { PlatformKind } from './tenant-config.js';

/**
 * The adapter's own check of a tenant's settings, run at load so a bad URL or a missing credential stops start-up
 * (or a reload) naming the tenant, instead of surfacing at the tenant's first ticket. The settings alone are the
 * adapter's environment: a tenant never inherits another platform's (or the process's) credentials.
 */
export function checkPlatformSettings(kind: PlatformKind, settings: Record<string, string>): FieldProblem[] {
  if (kind === 'local') {
    const parsed = LocalSettings.safeParse(settings);
    return parsed.success ? [] : parsed.error.issues.map((i) => ({ field: fieldOf('platform.settings', i.path), message: i.message }));
  }
  try {
    if (kind === 'privacyidea') loadPrivacyIdeaConfig(settings);
    else loadStaConfig(settings);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [{ field: `platform.settings.${err.variable}`, message: err.reason }];
    throw err;
  }
}
