import { PlatformError } from '../errors.js';

/**
 * Nothing valid came back from the STA RADIUS endpoint in every try. The outcome is unknown: STA may have
 * checked (and so used) the codes and lost the answer, so the caller asks for new codes rather than resending.
 */
export class StaRadiusNoAnswer extends PlatformError {
  override readonly name = 'StaRadiusNoAnswer';
  constructor(host: string, port: number, tries: number, timeoutMs: number) {
    super(
      `SafeNet Trusted Access RADIUS at ${host}:${port} did not answer (${tries} tries of ${timeoutMs} ms)`,
      `no answer from the RADIUS endpoint ${host}:${port}: check STA_RADIUS_HOST and STA_RADIUS_PORT, that the auth node in STA lists this server's public IP address, and that outbound UDP to that port is open; ` +
        'a wrong STA_RADIUS_SECRET also looks like this, because the server silently drops a request whose Message-Authenticator does not verify. ' +
        'The codes may have been used: ask the user for new ones',
      false,
    );
  }
}

/** The STA RADIUS endpoint answered, but no answer verified with our shared secret: the secrets differ. */
export class StaRadiusBadSecret extends PlatformError {
  override readonly name = 'StaRadiusBadSecret';
  constructor(host: string, port: number) {
    super(
      `SafeNet Trusted Access RADIUS at ${host}:${port} answered with a response that does not verify with the shared secret`,
      `STA_RADIUS_SECRET differs from the shared secret of the auth node in STA for this server: copy the shared secret from the auth node in STA into STA_RADIUS_SECRET (check STA_RADIUS_HOST points at STA, not another RADIUS server). ` +
        'STA may have checked the codes: ask the user for new ones',
      false,
    );
  }
}
