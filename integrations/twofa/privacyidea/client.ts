import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import type { z } from 'zod';
import { PlatformForbidden, PlatformRateLimited, PlatformUnavailable } from '../errors.js';
import { retryLimits, sendWithRetries, type RetryHooks, type RetryLimits, type RetryOptions, type RetryPolicy } from '../../shared/http-retry.js';
import type { CallGuard } from '../shared/platform-guard.js';
import type { PrivacyIdeaCredentials } from './config.js';
import { PrivacyIdeaLoginFailed } from './privacyidea-login-failed.js';
import { PrivacyIdeaRefused } from './privacyidea-refused.js';
import { AuthValueSchema, ErrorEnvelopeSchema, envelope } from './schemas.js';

export const PLATFORM = 'privacyidea';

export interface PrivacyIdeaClientOptions extends RetryOptions {
  url: string;
  credentials: PrivacyIdeaCredentials;
  guard: CallGuard;
  /** PEM CA bundle trusted for the server's certificate (TLS verification stays on regardless) */
  ca?: string;
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** a JWT is renewed this long before its `exp` (default 60 s) */
  renewBeforeMs?: number;
}

export type { RetryPolicy };

export interface Call {
  method: Method;
  path: string;
  params?: Record<string, string>;
  data?: Record<string, string>;
  retry: RetryPolicy;
  /** what the call does, for errors and the guard ("list tokens") */
  what: string;
  /** the admin policy action (scope admin) the call needs, named when privacyIDEA answers 403 */
  right?: string;
}

/** Who the bot is logged in as: role and the policy actions `/auth` listed (api/auth.py ui_get_rights). */
export interface PrivacyIdeaLogin {
  role?: string | undefined;
  rights?: string[] | undefined;
}

// A JWT without a readable exp is treated as valid this long (privacyIDEA's default validity is one hour).
const UNKNOWN_EXP_MS = 30 * 60_000;

/**
 * privacyIDEA's JSON API: `/auth` JWT (renewed before it expires) or a static API token sent in
 * `PI-Authorization`, the `{result: {status, value | error}}` envelope, TLS verification with an optional
 * CA bundle, time-outs, retries with backoff, and errors mapped to integrations/twofa/errors.ts.
 */
export class PrivacyIdeaClient {
  private readonly http: AxiosInstance;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly limits: RetryLimits;
  private readonly renewBeforeMs: number;
  private readonly now: () => number;
  private jwt: { token: string; renewAt: number } | undefined;
  private login: Promise<string> | undefined;
  private lastLogin: z.output<typeof AuthValueSchema> | undefined;

  constructor(private readonly options: PrivacyIdeaClientOptions) {
    this.renewBeforeMs = options.renewBeforeMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.limits = retryLimits(options);
    const https = options.url.toLowerCase().startsWith('https:');
    // rejectUnauthorized is node's default; it is spelled out so no later edit turns it off by accident.
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: true, ...(options.ca !== undefined ? { ca: options.ca } : {}) })
      : new HttpAgent({ keepAlive: true });
    this.http = axios.create({
      baseURL: options.url,
      timeout: options.timeoutMs ?? 10_000,
      ...(https ? { httpsAgent: this.agent } : { httpAgent: this.agent }),
      validateStatus: () => true,
      maxRedirects: 0,
      // privacyIDEA answers JSON; a proxy's HTML error page must not be parsed as anything else.
      responseType: 'json',
      headers: { accept: 'application/json' },
    });
  }

  /** One logical call behind the shared breaker: value of the success envelope, parsed with `value`. */
  async call<S extends z.ZodType>(call: Call, value: S): Promise<z.output<S>> {
    return this.options.guard.call(call.what, () => this.send(call, value));
  }

  close(): void {
    this.agent.destroy();
  }

  /** Logs in afresh (password credentials) and answers the role and policy rights /auth granted; none for a static token. */
  async session(): Promise<PrivacyIdeaLogin | undefined> {
    if (this.options.credentials.kind === 'token') return undefined;
    this.jwt = undefined;
    this.lastLogin = undefined;
    return this.currentLogin();
  }

  /**
   * The role and rights of the last login (logging in if there was none; calls renew it with the JWT, so the rights
   * are at most a JWT's validity old); none for a static token, which carries no rights list (pi-manage writes "TODO").
   */
  async currentLogin(): Promise<PrivacyIdeaLogin | undefined> {
    if (this.options.credentials.kind === 'token') return undefined;
    if (!this.lastLogin) await this.options.guard.call('log in', () => this.authorization());
    return this.lastLogin ? { role: this.lastLogin.role, rights: this.lastLogin.rights } : undefined;
  }

  private async send<S extends z.ZodType>(call: Call, value: S): Promise<z.output<S>> {
    let reauthenticated = false;
    const res = await sendWithRetries(
      call,
      this.limits,
      {
        ...this.errors(),
        // The JWT expired early (server restart, shorter jwt_validity policy): log in again once, without a try spent.
        againAtOnce: (r) => {
          if (r.status !== 401 || this.options.credentials.kind !== 'password' || reauthenticated) return false;
          this.jwt = undefined;
          reauthenticated = true;
          return true;
        },
      },
      async () =>
        this.http.request<unknown>({
          method: call.method,
          url: call.path,
          params: call.params,
          data: call.data,
          headers: { 'PI-Authorization': await this.authorization() },
        }),
    );
    return this.outcome(res, call, value);
  }

  /** The retryable errors of this platform, and the shared guard's wait before every try. */
  private errors(): Pick<RetryHooks, 'unavailable' | 'rateLimited' | 'beforeRequest'> {
    return {
      unavailable: (detail) => new PlatformUnavailable(PLATFORM, detail),
      rateLimited: (waitMs) => new PlatformRateLimited(PLATFORM, waitMs),
      beforeRequest: () => this.options.guard.beforeRequest(),
    };
  }

  /** The parsed value of an answer no retry would change; throws what it says is wrong. */
  private outcome<S extends z.ZodType>(res: AxiosResponse<unknown>, call: Call, value: S): z.output<S> {
    const body = ErrorEnvelopeSchema.safeParse(res.data);
    const code = body.success ? body.data.result.error.code : undefined;
    if (res.status === 401) throw new PrivacyIdeaLoginFailed(code, this.options.credentials.kind);
    if (res.status === 403) throw new PlatformForbidden(PLATFORM, call.right !== undefined ? `${call.what} (admin policy action "${call.right}")` : call.what);
    if (res.status >= 300) {
      throw new PrivacyIdeaRefused(
        res.status,
        code,
        call.what,
        body.success ? body.data.result.error.message.slice(0, 200) : 'no privacyIDEA error body: check PRIVACYIDEA_URL',
      );
    }
    const parsed = envelope(value).safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PlatformUnavailable(PLATFORM, `${call.what} answered an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`);
    }
    return (parsed.data.result as { value: z.output<S> }).value;
  }

  /** The value of the PI-Authorization header: the static token, or a JWT from /auth renewed before it expires. */
  private async authorization(): Promise<string> {
    const { credentials } = this.options;
    if (credentials.kind === 'token') return credentials.token;
    if (this.jwt && this.now() < this.jwt.renewAt) return this.jwt.token;
    // Concurrent calls share one login instead of each posting to /auth.
    this.login ??= this.authenticate(credentials).finally(() => {
      this.login = undefined;
    });
    return this.login;
  }

  private async authenticate(credentials: { username: string; password: string }): Promise<string> {
    const call: Call = { method: 'POST', path: '/auth', retry: 'always', what: 'log in' };
    const res = await sendWithRetries(call, this.limits, this.errors(), () =>
      this.http.post<unknown>('/auth', { username: credentials.username, password: credentials.password }),
    );
    // 401 ERR4031 is a wrong user or password: saying "permission" there sends the operator to the policies.
    if (res.status === 401) {
      const body = ErrorEnvelopeSchema.safeParse(res.data);
      throw new PrivacyIdeaLoginFailed(body.success ? body.data.result.error.code : undefined, 'password');
    }
    if (res.status === 403) throw new PlatformForbidden(PLATFORM, 'log in with PRIVACYIDEA_ADMIN_USER (an admin policy or the account refuses the login)');
    const login = this.outcome(res, call, AuthValueSchema);
    this.lastLogin = login;
    const exp = jwtExpiry(login.token);
    const renewAt = exp !== undefined ? exp - this.renewBeforeMs : this.now() + UNKNOWN_EXP_MS;
    this.jwt = { token: login.token, renewAt };
    return login.token;
  }
}

/** The `exp` claim of a JWT in ms, read without verifying (the server verifies it; we only schedule renewal). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims === 'object' && claims !== null && 'exp' in claims && typeof claims.exp === 'number') return claims.exp * 1000;
  } catch {
    // not a JWT we can read: fall back to a fixed validity
  }
  return undefined;
}
