import type { AxiosResponse } from 'axios';
import type { z } from 'zod';
import { parseAnswer } from './desk-answer.js';
import { TicketSystemUnavailable, TicketingAuthFailed } from './errors.js';

/** a token is renewed this long before the desk says it expires (clocks, a request in flight) */
const EARLY_MS = 60_000;

/** A desk's token endpoint: how to ask it, and how its answers and failures are named. */
export interface TokenEndpoint {
  system: string;
  /** the endpoint as an unavailable error names it: "the token endpoint /oauth_token.do" */
  endpoint: string;
  /** the request as a response-invalid error names it: "the token request (POST /oauth_token.do)" */
  request: string;
  /** the token's lifetime when the answer has no `expires_in` */
  defaultLifetimeS: number;
  schema: z.ZodType<{ access_token: string; expires_in?: number | undefined }>;
  /** the shared budget: a token request counts like any other */
  beforeRequest(): Promise<void>;
  /** one POST of grant_type=client_credentials with the desk's own fields */
  post(): Promise<AxiosResponse<unknown>>;
  /** the desk's own reading of an answer, before the common one (an error to throw, or undefined) */
  refusal?(res: AxiosResponse<unknown>): Promise<Error | undefined>;
  responseInvalid(what: string, field: string, detail: string): Error;
}

/**
 * An access token of the OAuth 2.0 client credentials grant, kept in this process until shortly before `expires_in`
 * runs out; one request at a time asks for a new one.
 */
export class ClientCredentialsToken {
  private current: { token: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly endpoint: TokenEndpoint,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.until) return this.current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The desk refused the token (revoked, expired early): the next request asks for a new one. */
  invalidate(): void {
    this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const { system, endpoint } = this.endpoint;
    await this.endpoint.beforeRequest();
    let res;
    try {
      res = await this.endpoint.post();
    } catch {
      throw new TicketSystemUnavailable(system, `${endpoint} did not answer`);
    }
    if (res.status === 400 || res.status === 401) throw new TicketingAuthFailed(system);
    const refusal = await this.endpoint.refusal?.(res);
    if (refusal) throw refusal;
    if (res.status >= 300) throw new TicketSystemUnavailable(system, `${endpoint} answered ${res.status}`);
    const answer = parseAnswer(this.endpoint.schema, res.data, this.endpoint.request, this.endpoint.responseInvalid);
    const lifetimeMs = (answer.expires_in ?? this.endpoint.defaultLifetimeS) * 1000;
    this.current = { token: answer.access_token, until: this.now() + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2) };
    return answer.access_token;
  }
}
