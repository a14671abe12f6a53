import { ConfigError } from '../../integrations/shared/config-error.js';

/** TENANTS_FILE is unreadable or invalid: every problem names the tenant and the field, never a secret's value. */
export class TenantsFileError extends ConfigError {
  constructor(readonly problems: readonly string[]) {
    super('TENANTS_FILE', problems.join('; '));
  }
}
