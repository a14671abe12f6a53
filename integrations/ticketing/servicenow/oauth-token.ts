import type { AxiosInstance } from 'axios';
import { ClientCredentialsToken } from '../client-credentials-token.js';
import { TokenResponseSchema } from './schemas.js';
import { ServiceNowResponseInvalid } from './servicenow-errors.js';

/**
 * The instance's own token endpoint: POST /oauth_token.do with grant_type=client_credentials, client_id and
 * client_secret (form-encoded), with no Authorization header.
 */
export class ServiceNowToken extends ClientCredentialsToken {
  constructor(http: AxiosInstance, credentials: { clientId: string; clientSecret: string }, beforeRequest: () => Promise<void>, now: () => number = Date.now) {
    super(
      {
        system: 'servicenow',
        endpoint: 'the token endpoint /oauth_token.do',
        request: 'the token request (POST /oauth_token.do)',
        defaultLifetimeS: 1800,
        schema: TokenResponseSchema,
        beforeRequest,
        post: () => {
          const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret });
          return http.post<unknown>('/oauth_token.do', form.toString(), { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: undefined } });
        },
        responseInvalid: (what, field, detail) => new ServiceNowResponseInvalid(what, field, detail),
      },
      now,
    );
  }
}
