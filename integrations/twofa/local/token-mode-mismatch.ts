import { PlatformError } from '../errors.js';

/** A challenge asked of a token that only shows codes, or the reverse: a workflow bug, not a user error. */
export class TokenModeMismatch extends PlatformError {
  override readonly name = 'TokenModeMismatch';
  constructor(serial: string, kind: string, step: string) {
    super(`token ${serial} (${kind}) cannot ${step}`, `token ${serial} is a ${kind}; check the token type the workflow read`, false);
  }
}
