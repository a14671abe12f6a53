import { PlatformError } from '../errors.js';

export class GroupNotFound extends PlatformError {
  override readonly name = 'GroupNotFound';
  constructor(group: string) {
    super(`group ${group} not found`, `the platform has no group "${group}"; create it or fix the domain-to-group mapping`, false);
  }
}
