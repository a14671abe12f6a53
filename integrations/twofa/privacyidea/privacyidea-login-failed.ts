import { PlatformError } from '../errors.js';

/** privacyIDEA's authentication error codes (privacyidea/lib/error.py, ERROR.AUTHENTICATE_*) */
export const PI_AUTH_ERROR = { WRONG_CREDENTIALS: 4031, AUTH_HEADER: 4033, DECODING: 4304, EXPIRED: 4305, ROLE: 4306 } as const;

/**
 * privacyIDEA did not accept the bot's credentials (HTTP 401): a wrong user or password, an API token this server
 * did not issue or that expired. Not a missing permission (that is a 403, PlatformForbidden), and no retry helps.
 */
export class PrivacyIdeaLoginFailed extends PlatformError {
  override readonly name = 'PrivacyIdeaLoginFailed';
  constructor(readonly code: number | undefined, kind: 'password' | 'token') {
    const why = loginFailure(code, kind);
    super(`privacyIDEA refused the login: ${why}`, `privacyIDEA refused the login: ${why}`, false);
  }
}

function loginFailure(code: number | undefined, kind: 'password' | 'token'): string {
  if (kind === 'password') {
    if (code === PI_AUTH_ERROR.ROLE) return 'the account is not an admin: use a local admin (pi-manage admin add) or an admin realm user';
    if (code === PI_AUTH_ERROR.WRONG_CREDENTIALS || code === undefined) return 'wrong user or password: check PRIVACYIDEA_ADMIN_USER and PRIVACYIDEA_ADMIN_PASSWORD';
    // /auth accepted the password, but the JWT it issued is refused: nodes behind one URL with different secrets.
    return `the server refused the JWT it had just issued (ERR${code}): every privacyIDEA node behind PRIVACYIDEA_URL needs the same SECRET_KEY`;
  }
  if (code === PI_AUTH_ERROR.EXPIRED) return 'PRIVACYIDEA_API_TOKEN has expired: create a new one with pi-manage api createtoken -r admin';
  if (code === PI_AUTH_ERROR.ROLE) return 'PRIVACYIDEA_API_TOKEN is not an admin token: create one with pi-manage api createtoken -r admin';
  return 'PRIVACYIDEA_API_TOKEN is not a token this server issued (pi-manage api createtoken -r admin on this server, with its SECRET_KEY)';
}
