import { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { PlatformForbidden, PlatformRateLimited, PlatformUnavailable } from '../errors.js';
import { backoffMs, transportDetail } from '../../shared/http-retry.js';
import type { CallGuard } from '../shared/platform-guard.js';
import { PLATFORM } from './client.js';
import { BsidcaTokenSchema, type BsidcaToken } from './schemas.js';

export const BSIDCA_NS = 'http://www.cryptocard.com/blackshield/';

export interface BsidcaClientOptions {
  /** …/bsidca/BSIDCA.asmx */
  url: string;
  /** operator e-mail and password (BSIDCA Connect: OperatorEmail, OTP) */
  user: string;
  password: string;
  /** BSIDCA `organization` (account); none: the operator's own */
  organization?: string;
  guard: CallGuard;
  timeoutMs?: number;
  retries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** a Connect session is renewed after this long (default 15 min, under ASP.NET's 20-minute default) */
  sessionTtlMs?: number;
  now?: () => number;
}

/**
 * A small hand-written SOAP 1.1 client for the two read methods of the BSIDCA web service the adapter
 * uses (GetTokensByOwner, GetTokens), after Connect. BSIDCA "requires the session state to function"
 * (thalesdocs.com/sta/api/bsidca): the session cookie Connect sets is sent with every later call.
 */
export class BsidcaClient {
  private readonly http: AxiosInstance;
  private readonly agent = new Agent({ keepAlive: true, rejectUnauthorized: true });
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sessionTtlMs: number;
  private readonly now: () => number;
  private session: { cookie: string; until: number } | undefined;
  private connecting: Promise<string> | undefined;

  constructor(private readonly options: BsidcaClientOptions) {
    this.retries = Math.max(0, options.retries ?? 3);
    this.baseDelayMs = options.retryBaseDelayMs ?? 250;
    this.maxDelayMs = options.retryMaxDelayMs ?? 5_000;
    this.sessionTtlMs = options.sessionTtlMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
    this.http = axios.create({
      baseURL: options.url,
      timeout: options.timeoutMs ?? 10_000,
      httpsAgent: this.agent,
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
    });
  }

  /** GetTokensByOwner(userName, organization): the serials of the user's tokens */
  async tokensByOwner(userName: string): Promise<string[]> {
    const xml = await this.invoke('GetTokensByOwner', [['userName', userName], ['organization', this.options.organization]], 'list the user\'s tokens');
    const result = elements(xml, 'GetTokensByOwnerResult')[0] ?? '';
    return elements(result, 'string').map((s) => s.trim()).filter(Boolean);
  }

  /** GetTokens(serial, organization, startRecord 0, pageSize 1): the token's Named_Tokens_Table row */
  async token(serial: string): Promise<BsidcaToken | undefined> {
    const xml = await this.invoke(
      'GetTokens',
      [['serial', serial], ['organization', this.options.organization], ['startRecord', '0'], ['pageSize', '1']],
      `read token ${serial}`,
    );
    const row = elements(xml, 'Named_Tokens_Table')[0];
    if (row === undefined) return undefined;
    const field = (name: string) => elements(row, name)[0]?.trim();
    const parsed = BsidcaTokenSchema.safeParse({ serialnumber: field('serialnumber'), state: field('state') ?? '', type: field('type') ?? '', userid: field('userid') });
    if (!parsed.success) throw new PlatformUnavailable(PLATFORM, `BSIDCA GetTokens answered an unexpected shape (${parsed.error.issues[0]?.path.join('.') ?? 'row'})`);
    return parsed.data;
  }

  /** Connect with the operator credentials; answers whether BSIDCA accepted them. */
  async connect(): Promise<void> {
    this.session = undefined;
    await this.options.guard.call('connect to BSIDCA', () => this.sessionCookie());
  }

  close(): void {
    this.agent.destroy();
  }

  private async invoke(operation: string, params: Array<[string, string | undefined]>, what: string): Promise<string> {
    return this.options.guard.call(what, async () => {
      let reconnected = false;
      for (;;) {
        const cookie = await this.sessionCookie();
        const res = await this.post(operation, params, cookie, what);
        if (res.status === 200) return res.data;
        if (!reconnected && isFault(res.data)) {
          // An expired or lost session answers with a fault: connect again once.
          this.session = undefined;
          reconnected = true;
          continue;
        }
        throw new PlatformUnavailable(PLATFORM, `${what}: BSIDCA ${operation} answered HTTP ${res.status}${isFault(res.data) ? ` (${faultString(res.data)})` : ''}`);
      }
    });
  }

  private async sessionCookie(): Promise<string> {
    if (this.session && this.now() < this.session.until) return this.session.cookie;
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<string> {
    const res = await this.post('Connect', [['OperatorEmail', this.options.user], ['OTP', this.options.password]], undefined, 'connect to BSIDCA');
    // Connect answers a ConnectResult code (thalesdocs.com/sta/api/bsidca, Connection endpoints): only AUTH_SUCCESS opens a
    // session; CHALLENGE, OUTER_WINDOW_AUTH, USER_PIN_CHANGE … need an interactive operator, which a bot is not.
    const result = res.status === 200 ? elements(res.data, 'ConnectResult')[0]?.trim() : undefined;
    const accepted = result === 'AUTH_SUCCESS';
    if (!accepted) {
      const why = result === undefined || result === 'AUTH_FAILURE' ? '' : ` (BSIDCA answered ${result.slice(0, 40)}: give the operator a static password with no challenge or PIN change pending)`;
      throw new PlatformForbidden(PLATFORM, `connect to BSIDCA${why} (check STA_SOAP_USER, STA_SOAP_PASSWORD and that the operator may use the web service)`);
    }
    const cookie = cookiesOf(res);
    this.session = { cookie, until: this.now() + this.sessionTtlMs };
    return cookie;
  }

  /** One SOAP POST with retries on network errors and 5xx without a SOAP fault (every method used here only reads). */
  private async post(operation: string, params: Array<[string, string | undefined]>, cookie: string | undefined, what: string): Promise<AxiosResponse<string>> {
    const body = envelope(operation, params);
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.retries;
      await this.options.guard.beforeRequest();
      let res: AxiosResponse<string>;
      try {
        res = await this.http.post<string>('', body, {
          headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: `"${BSIDCA_NS}${operation}"`, ...(cookie ? { cookie } : {}) },
        });
      } catch (err) {
        if (canRetry) {
          await sleep(backoffMs(attempt, this.baseDelayMs, this.maxDelayMs));
          continue;
        }
        throw new PlatformUnavailable(PLATFORM, `${what}: ${transportDetail(err)} after ${attempt + 1} tries`);
      }
      if (res.status === 429) throw new PlatformRateLimited(PLATFORM, this.baseDelayMs);
      if (res.status >= 500 && !isFault(res.data)) {
        if (canRetry) {
          await sleep(backoffMs(attempt, this.baseDelayMs, this.maxDelayMs));
          continue;
        }
        throw new PlatformUnavailable(PLATFORM, `${what}: HTTP ${res.status} after ${attempt + 1} tries`);
      }
      if (res.status === 401 || res.status === 403) throw new PlatformForbidden(PLATFORM, what);
      return { ...res, data: typeof res.data === 'string' ? res.data : '' };
    }
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] ?? '');
}

/** The SOAP 1.1 request body of the reference's samples; parameters left undefined are omitted. */
export function envelope(operation: string, params: Array<[string, string | undefined]>): string {
  const inner = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soap:Body><${operation} xmlns="${BSIDCA_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`
  );
}

/** The text content of every `<name>` element (any namespace prefix), entities decoded. Flat documents only. */
export function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}>)`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml(m[1] ?? ''));
}

function isFault(xml: string): boolean {
  return /<(?:[\w.-]+:)?Fault[\s>]/.test(xml);
}

function faultString(xml: string): string {
  return (elements(xml, 'faultstring')[0] ?? 'SOAP fault').slice(0, 200);
}

function cookiesOf(res: AxiosResponse<unknown>): string {
  const header = res.headers['set-cookie'];
  const list = Array.isArray(header) ? header : typeof header === 'string' ? [header] : [];
  return list.map((c) => c.split(';')[0]?.trim() ?? '').filter(Boolean).join('; ');
}
