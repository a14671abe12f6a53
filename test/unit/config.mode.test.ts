import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { parsePolicy } from '../../workflows/resync/policy.js';

describe('TWOFA_MODE', () => {
  it('sets the global policy’s mode over the policy’s own, and leaves it alone when unset', () => {
    expect(loadConfig({ TWOFA_MODE: 'shadow' }).policy.mode).toBe('shadow');
    expect(loadConfig({ TWOFA_MODE: 'approve-changes' }, { policy: parsePolicy({ mode: 'shadow' }) }).policy.mode).toBe('approve-changes');
    expect(loadConfig({}, { policy: parsePolicy({ mode: 'shadow' }) }).policy.mode).toBe('shadow');
    expect(loadConfig({}).policy.mode).toBe('live');
  });

  it('refuses a value it does not know, naming the variable (a misspelt shadow must not run live)', () => {
    expect(() => loadConfig({ TWOFA_MODE: 'shadwo' })).toThrow(ConfigError);
    expect(() => loadConfig({ TWOFA_MODE: 'shadwo' })).toThrow(/TWOFA_MODE/);
    // vitest's own MODE=test is not ours
    expect(loadConfig({ MODE: 'test' }).policy.mode).toBe('live');
  });
});
