import type { AxiosInstance } from 'axios';
import { TicketSystemUnavailable, TicketingAuthFailed } from '../errors.js';
import { TokenResponseSchema } from './schemas.js';
import { ServiceNowResponseInvalid } from './servicenow-errors.js';

const SYSTEM = 'servicenow';
/** a token is renewed this long before ServiceNow says it expires (clocks, a request in flight) */
const EARLY_MS = 60_000;

/**
 * An access token of the OAuth client credentials grant: POST /oauth_token.do with grant_type=client_credentials,
 * client_id and client_secret (form-encoded), kept in this process until shortly before `expires_in` runs out; one
 * request at a time asks for a new one.
 */
export class ClientCredentialsToken {
  private current: { token: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly http: AxiosInstance,
    private readonly credentials: { clientId: string; clientSecret: string },
    private readonly beforeRequest: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.until) return this.current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** ServiceNow refused the token (revoked, expired early): the next request asks for a new one. */
  invalidate(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<string> {
    await this.beforeRequest();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret });
    let res;
    try {
      res = await this.http.post<unknown>('/oauth_token.do', form.toString(), { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: undefined } });
    } catch {
      throw new TicketSystemUnavailable(SYSTEM, 'the token endpoint /oauth_token.do did not answer');
    }
    if (res.status === 400 || res.status === 401) throw new TicketingAuthFailed(SYSTEM);
    if (res.status >= 300) throw new TicketSystemUnavailable(SYSTEM, `the token endpoint /oauth_token.do answered ${res.status}`);
    const parsed = TokenResponseSchema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ServiceNowResponseInvalid('the token request (POST /oauth_token.do)', issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
    }
    const lifetimeMs = (parsed.data.expires_in ?? 1800) * 1000;
    this.current = { token: parsed.data.access_token, until: this.now() + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2) };
    return parsed.data.access_token;
  }
}
