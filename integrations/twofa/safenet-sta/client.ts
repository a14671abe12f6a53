import { Agent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { z } from 'zod';
import { PlatformForbidden, PlatformRateLimited, PlatformUnavailable } from '../errors.js';
import { retryLimits, sendWithRetries, type HttpCall, type RetryLimits, type RetryOptions } from '../../shared/http-retry.js';
import type { CallGuard } from '../shared/platform-guard.js';
import { paged } from './schemas.js';
import { StaNotFound, StaRefused } from './sta-errors.js';

export const PLATFORM = 'safenet-sta';

export interface StaRestClientOptions extends RetryOptions {
  /** Settings > API Keys > endpoint URL */
  apiUrl: string;
  tenantCode: string;
  apiKey: string;
  guard: CallGuard;
  timeoutMs?: number;
}

/** `path`: below /api/v1/tenants/{tenantCode}, e.g. `/users/alice`; or an absolute `links.next` URL of the same origin */
export type RestCall = HttpCall;

/** The largest page STA's list endpoints are asked for. */
export const PAGE_SIZE = 100;

/**
 * The STA REST API: `{endpoint}/api/v1/tenants/{tenantCode}/…` with the key in the `apikey` header
 * (thalesdocs.com/sta/api; header, path and `Object-Id-Format` as the XSOAR integration sends them),
 * time-outs, retries with backoff, and errors mapped to integrations/twofa/errors.ts.
 */
export class StaRestClient {
  private readonly http: AxiosInstance;
  private readonly agent = new Agent({ keepAlive: true, rejectUnauthorized: true });
  private readonly base: string;
  private readonly origin: string;
  private readonly limits: RetryLimits;

  constructor(private readonly options: StaRestClientOptions) {
    this.base = `${options.apiUrl}/api/v1/tenants/${encodeURIComponent(options.tenantCode)}`;
    this.origin = new URL(options.apiUrl).origin;
    this.limits = retryLimits(options);
    this.http = axios.create({
      timeout: options.timeoutMs ?? 10_000,
      httpsAgent: this.agent,
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'json',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'Object-Id-Format': 'base64', apikey: options.apiKey },
    });
  }

  call<S extends z.ZodType>(call: RestCall, schema: S): Promise<z.output<S>> {
    return this.options.guard.call(call.what, () => this.send(call, schema));
  }

  /** Every item of a paged list, following `links.next` (same origin only: the API key must not leave STA). */
  async all<S extends z.ZodType>(call: RestCall, item: S, maxPages: number, onLimit: () => Error): Promise<Array<z.output<S>>> {
    const out: Array<z.output<S>> = [];
    let next: RestCall = { ...call, params: { pageIndex: '0', pageSize: String(PAGE_SIZE), ...call.params } };
    for (let page = 0; ; page++) {
      const body = await this.call(next, paged(item));
      out.push(...(body.page.items as Array<z.output<S>>));
      const link = body.links.next;
      if (link === undefined || body.page.items.length === 0) return out;
      if (page + 1 >= maxPages) throw onLimit();
      const url = new URL(link, this.base);
      if (url.origin !== this.origin) throw new PlatformUnavailable(PLATFORM, `${call.what}: links.next points to another host; not followed`);
      next = { ...call, path: url.toString(), params: {} };
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.base}${path}`;
  }

  private async send<S extends z.ZodType>(call: RestCall, schema: S): Promise<z.output<S>> {
    const res = await sendWithRetries(
      call,
      this.limits,
      {
        unavailable: (detail) => new PlatformUnavailable(PLATFORM, detail),
        rateLimited: (waitMs) => new PlatformRateLimited(PLATFORM, waitMs),
        beforeRequest: () => this.options.guard.beforeRequest(),
      },
      () => this.http.request<unknown>({ method: call.method, url: this.url(call.path), params: call.params, data: call.data }),
    );
    if (res.status === 401 || res.status === 403) {
      throw new PlatformForbidden(PLATFORM, `${call.what} (check STA_API_KEY, STA_TENANT_CODE and the key's role in Settings > API Keys)`);
    }
    if (res.status === 404) throw new StaNotFound(call.what);
    if (res.status >= 300) throw new StaRefused(res.status, call.what);
    if (res.status === 204 || res.data === '' || res.data === undefined) return schema.parse(undefined) as z.output<S>;
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PlatformUnavailable(PLATFORM, `${call.what} answered an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`);
    }
    return parsed.data;
  }
}
