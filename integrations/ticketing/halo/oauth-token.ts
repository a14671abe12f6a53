import type { AxiosInstance } from 'axios';
import { parseRetryAfterMs } from '../../shared/http-retry.js';
import { TicketSystemRateLimited, TicketSystemUnavailable, TicketingAuthFailed } from '../errors.js';
import type { RequestLimiter } from '../request-limiter.js';
import { HaloResponseInvalid } from './halo-errors.js';
import { TokenResponseSchema } from './schemas.js';

const SYSTEM = 'halo';
/** a token is renewed this long before Halo says it expires (clocks, a request in flight) */
const EARLY_MS = 60_000;

export interface HaloTokenRequest {
  clientId: string;
  clientSecret: string;
  scope: string;
  /** hosted Halo: the tenant, sent as `?tenant=` */
  tenant?: string;
}

/**
 * An access token of the OAuth 2.0 client credentials grant against the tenant's authorisation server: POST /token
 * (under HALO_AUTH_URL) with grant_type, client_id, client_secret and scope form-encoded and `?tenant=` for hosted
 * Halo. Kept in this process until shortly before `expires_in` runs out; one request at a time asks for a new one.
 * (ServiceNow's ClientCredentialsToken is the same pattern, bound to its own endpoint and errors.)
 */
export class HaloToken {
  private current: { token: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly auth: AxiosInstance,
    private readonly request: HaloTokenRequest,
    private readonly limiter: Pick<RequestLimiter, 'beforeRequest' | 'pause'>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.until) return this.current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Halo refused the token (revoked, expired early): the next request asks for a new one. */
  invalidate(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<string> {
    await this.limiter.beforeRequest();
    const { clientId, clientSecret, scope, tenant } = this.request;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
    let res;
    try {
      res = await this.auth.post<unknown>('/token', form.toString(), { params: tenant !== undefined ? { tenant } : {}, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } catch {
      throw new TicketSystemUnavailable(SYSTEM, 'the token endpoint (HALO_AUTH_URL/token) did not answer');
    }
    if (res.status === 400 || res.status === 401) throw new TicketingAuthFailed(SYSTEM);
    if (res.status === 429) {
      // the tenant's rate limit counts the token endpoint too: every worker waits, as for any other call
      const wait = Math.ceil(parseRetryAfterMs(res.headers['retry-after'], this.now()) ?? 1000);
      await this.limiter.pause(wait);
      throw new TicketSystemRateLimited(SYSTEM, wait);
    }
    if (res.status >= 300) throw new TicketSystemUnavailable(SYSTEM, `the token endpoint (HALO_AUTH_URL/token) answered ${res.status}`);
    const parsed = TokenResponseSchema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HaloResponseInvalid('the token request (POST HALO_AUTH_URL/token)', issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
    }
    const lifetimeMs = (parsed.data.expires_in ?? 3600) * 1000;
    this.current = { token: parsed.data.access_token, until: this.now() + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2) };
    return parsed.data.access_token;
  }
}
