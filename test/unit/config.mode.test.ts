import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { parseTenants } from '../../workers/tenants/parse-tenants.js';
import { configuredMode } from '../../workers/wiring/configured-mode.js';
import type { Tenants } from '../../workers/wiring/tenant-wiring.js';
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

describe('the mode configured for a ticket with no stored state (the executor’s guard)', () => {
  const local = (id: string, domain: string, mode: string) => ({ id, match: { emailDomains: [domain] }, platform: { kind: 'local' }, policy: { mode } });
  const withTenants = (tenants: unknown[]) => ({ registry: { current: parseTenants({ tenants }, parsePolicy({}), {}, '/etc/twofa/tenants.yaml') } }) as unknown as Tenants;

  it('is the tenant’s policy mode, or the global one for a tenant no longer configured', () => {
    const modeOf = configuredMode(parsePolicy({}), withTenants([local('acme', 'acme.example', 'shadow'), local('globex', 'globex.example', 'live')]));
    expect(modeOf('acme')).toBe('shadow');
    expect(modeOf('globex')).toBe('live');
    expect(modeOf('gone')).toBe('live');
  });

  it('for an effect that names no tenant: the strictest of the global mode and every tenant’s', () => {
    expect(configuredMode(parsePolicy({}), withTenants([local('acme', 'acme.example', 'approve-changes')]))(undefined)).toBe('approve-changes');
    expect(configuredMode(parsePolicy({ mode: 'shadow' }), withTenants([local('acme', 'acme.example', 'live')]))(undefined)).toBe('shadow');
    expect(configuredMode(parsePolicy({}), undefined)(undefined)).toBe('live');
    expect(configuredMode(loadConfig({ TWOFA_MODE: 'shadow' }).policy, undefined)(undefined)).toBe('shadow');
  });
});
