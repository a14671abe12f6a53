import type { AxiosInstance } from 'axios';
import { parseRetryAfterMs } from '../../shared/http-retry.js';
import { ClientCredentialsToken } from '../client-credentials-token.js';
import { TicketSystemRateLimited } from '../errors.js';
import type { RequestLimiter } from '../request-limiter.js';
import { HaloResponseInvalid } from './halo-errors.js';
import { TokenResponseSchema } from './schemas.js';

const SYSTEM = 'halo';

export interface HaloTokenRequest {
  clientId: string;
  clientSecret: string;
  scope: string;
  /** hosted Halo: the tenant, sent as `?tenant=` */
  tenant?: string;
}

/**
 * The token of the tenant's authorisation server: POST /token (under HALO_AUTH_URL) with grant_type, client_id,
 * client_secret and scope form-encoded and `?tenant=` for hosted Halo.
 */
export class HaloToken extends ClientCredentialsToken {
  constructor(auth: AxiosInstance, request: HaloTokenRequest, limiter: Pick<RequestLimiter, 'beforeRequest' | 'pause'>, now: () => number = Date.now) {
    const { clientId, clientSecret, scope, tenant } = request;
    super(
      {
        system: SYSTEM,
        endpoint: 'the token endpoint (HALO_AUTH_URL/token)',
        request: 'the token request (POST HALO_AUTH_URL/token)',
        defaultLifetimeS: 3600,
        schema: TokenResponseSchema,
        beforeRequest: () => limiter.beforeRequest(),
        post: () => {
          const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
          return auth.post<unknown>('/token', form.toString(), { params: tenant !== undefined ? { tenant } : {}, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        },
        // the tenant's rate limit counts the token endpoint too: every worker waits, as for any other call
        refusal: async (res) => {
          if (res.status !== 429) return undefined;
          const wait = Math.ceil(parseRetryAfterMs(res.headers['retry-after'], now()) ?? 1000);
          await limiter.pause(wait);
          return new TicketSystemRateLimited(SYSTEM, wait);
        },
        responseInvalid: (what, field, detail) => new HaloResponseInvalid(what, field, detail),
      },
      now,
    );
  }
}
