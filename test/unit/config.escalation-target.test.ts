import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';

describe('POLICY_FILE escalationTarget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-target-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const policyFile = (escalationTarget: string) => {
    const path = join(dir, `${encodeURIComponent(escalationTarget)}.json`);
    writeFileSync(path, JSON.stringify({ escalationTarget }));
    return path;
  };

  it("takes a target of the ticket system's form", () => {
    expect(loadConfig({ TICKET_SYSTEM: 'zendesk', POLICY_FILE: policyFile('7001') }).policy.escalationTarget).toBe('7001');
  });

  it("stops start-up on a target not of the ticket system's form, naming the value and the system", () => {
    const load = () => loadConfig({ TICKET_SYSTEM: 'connectwise', POLICY_FILE: policyFile('Escalations') });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/escalationTarget: "Escalations" is not the numeric id of a service board.*TICKET_SYSTEM=connectwise/);
  });
});
