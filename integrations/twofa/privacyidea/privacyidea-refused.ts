import { PlatformError } from '../errors.js';

/**
 * privacyIDEA answered a request with an error envelope the adapter has no better class for (a 400
 * ParameterError, a 404 ResourceNotFoundError …). `code` is privacyIDEA's error code (lib/error.py).
 */
export class PrivacyIdeaRefused extends PlatformError {
  override readonly name = 'PrivacyIdeaRefused';
  constructor(readonly status: number, readonly code: number | undefined, what: string, message: string) {
    super(
      `privacyIDEA refused ${what}: HTTP ${status}${code !== undefined ? ` ERR${code}` : ''} ${message}`,
      `privacyIDEA refused ${what} (${message}); check the request against the server's version and policies`,
      false,
    );
  }
}

/** privacyIDEA error codes the adapter acts on (privacyidea/lib/error.py) */
export const PI_ERROR = { RESOURCE_NOT_FOUND: 601, USER: 904, PARAMETER: 905 } as const;
