import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { PlatformUser, TokenInfo } from '../../../workflows/resync/index.js';
import { NotSupportedByPlatform, PlatformForbidden, PlatformUserNotFound, TokenNotFound } from '../errors.js';
import type { AuthRecord, PlatformCapabilities, ResyncOutcome, TwoFactorPlatform, UserQuery } from '../platform.js';
import { PlatformGuard } from '../shared/platform-guard.js';
import { AdminRights, listsRealm, missingRight, probeTokenlistRealms, type AdminRight } from './admin-rights.js';
import { PLATFORM, PrivacyIdeaClient, type Call, type PrivacyIdeaClientOptions } from './client.js';
import type { PrivacyIdeaConfig } from './config.js';
import { PI_ERROR, PrivacyIdeaRefused } from './privacyidea-refused.js';
import { ResyncMemo, type SentRecord } from './resync-memo.js';
import {
  AttributeValueSchema,
  AuditPageSchema,
  ResetValueSchema,
  ResyncValueSchema,
  SetAttributeValueSchema,
  TokenPageSchema,
  UserListSchema,
  type PiAuditEntry,
  type PiToken,
  type PiUser,
} from './schemas.js';

export interface PrivacyIdeaPlatformOptions {
  config: PrivacyIdeaConfig;
  redis: Redis;
  /** REDIS_PREFIX: the shared rate limit and breaker live under it */
  prefix: string;
  /** test hooks: faster retries, a fake clock */
  client?: Partial<Pick<PrivacyIdeaClientOptions, 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'maxRetryAfterMs' | 'renewBeforeMs' | 'now'>>;
  now?: () => number;
  /** how long the codes of a resync are recognised when sent again after a lost answer (default 15 min) */
  resyncLookBackMs?: number;
}

const TOKEN_PAGE_SIZE = 50;
const MAX_TOKEN_PAGES = 20;
const AUDIT_PAGE_SIZE = 100;
/** token types whose resync privacyIDEA documents (POST /token/resync: two consecutive OTP values) */
const OTP_TYPES = new Set(['hotp', 'totp']);
/** the login endpoint as the audit log names it: "POST /validate/check" (or GET) */
const VALIDATE_ACTION = '*/validate/check';
const VALIDATE_ACTION_RE = /^(GET|POST) \/validate\/check$/;
/** "POST /token/resync" or "POST /token/resync/<serial>" (api/before_after.py: method and url_rule) */
const RESYNC_ACTION = '*/token/resync*';
/**
 * How long the codes of a resync are remembered for a retry: longer than an effect's retries take
 * (EFFECT_ATTEMPTS with exponential backoff, plus a stalled job's lock).
 */
const RESYNC_LOOK_BACK_MS = 15 * 60_000;
/** the audit's clock and ours measure the same interval; this covers the request's own time on the way */
const AUDIT_MARGIN_S = 2;

const UI_CHALLENGE =
  'privacyIDEA has no API call to resynchronise a challenge/response token: in the web UI open Tokens > <serial> and use "Resync Token" if the token type offers it, or ask the user for two consecutive OTP values instead';

/**
 * privacyIDEA behind the TwoFactorPlatform interface. Users are the realm's users (id = login name);
 * groups are the values of a custom user attribute (PRIVACYIDEA_GROUP_ATTRIBUTE, comma-separated) or,
 * without one, the realm itself; HOTP/TOTP tokens resync through POST /token/resync; the audit log
 * answers whether the user logged in since.
 */
export class PrivacyIdeaPlatform implements TwoFactorPlatform {
  readonly name = PLATFORM;
  readonly capabilities: PlatformCapabilities;
  readonly client: PrivacyIdeaClient;
  private readonly realm: string;
  private readonly groupAttribute: string | undefined;
  private readonly now: () => number;
  private readonly rights: AdminRights;
  private readonly sent: ResyncMemo;

  constructor(options: PrivacyIdeaPlatformOptions) {
    const { config } = options;
    this.realm = config.realm;
    this.groupAttribute = config.groupAttribute;
    this.now = options.now ?? Date.now;
    const account = `${config.url}|${config.realm}|${config.credentials.kind === 'password' ? config.credentials.username : 'api-token'}`;
    const guard = new PlatformGuard({ redis: options.redis, prefix: options.prefix, platform: PLATFORM, account, ...config.guard, ...(options.now ? { now: options.now } : {}) });
    this.client = new PrivacyIdeaClient({
      url: config.url,
      credentials: config.credentials,
      guard,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      ...(config.ca !== undefined ? { ca: config.ca } : {}),
      ...options.client,
    });
    this.rights = new AdminRights(this.client, this.realm, this.now);
    this.sent = new ResyncMemo({ redis: options.redis, prefix: options.prefix, account, credentials: config.credentials, ttlMs: options.resyncLookBackMs ?? RESYNC_LOOK_BACK_MS, now: this.now });
    this.capabilities = { canAddToGroup: this.groupAttribute !== undefined, canResync: true, canChallenge: false, canReadAuthLog: true };
  }

  async close(): Promise<void> {
    this.client.close();
  }

  async findUsers(query: UserQuery): Promise<PlatformUser[]> {
    const asked: Array<[keyof PiUser & string, string]> = [];
    if (query.userName?.trim()) asked.push(['username', query.userName.trim()]);
    if (query.email?.trim()) asked.push(['email', query.email.trim()]);
    if (query.lastName?.trim()) asked.push(['surname', query.lastName.trim()]);
    // privacyIDEA treats * as a wildcard; a name with one in it is not a name we can match exactly.
    if (asked.length === 0 || asked.some(([, v]) => v.includes('*'))) return [];
    const params: Record<string, string> = { realm: this.realm };
    for (const [field, value] of asked) params[field] = value;
    const users = await this.call('userlist', { method: 'GET', path: '/user/', params, retry: 'always', what: 'search users' }, UserListSchema);
    // Resolvers differ in case and substring rules; the workflow wants exact, case-insensitive matches.
    return users
      .filter((u) => asked.every(([field, value]) => String(u[field] ?? '').toLowerCase() === value.toLowerCase()))
      .map(toPlatformUser)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async getGroups(userId: string): Promise<string[]> {
    await this.requireUser(userId);
    if (this.groupAttribute === undefined) return [this.realm];
    return splitGroups(await this.readGroupAttribute(userId, this.groupAttribute));
  }

  async addToGroup(userId: string, group: string): Promise<void> {
    const attribute = this.groupAttribute;
    if (attribute === undefined) {
      throw new NotSupportedByPlatform(
        PLATFORM,
        'add a user to a group',
        `privacyIDEA has no groups; membership of realm "${this.realm}" comes from its user store: add the user to the directory group or table the realm's resolver reads (web UI: Config > Realms > ${this.realm} shows the resolvers), then have the user re-test`,
      );
    }
    await this.requireUser(userId);
    const groups = splitGroups(await this.readGroupAttribute(userId, attribute));
    if (groups.includes(group)) return;
    await this.call(
      'set_custom_user_attributes',
      { method: 'POST', path: '/user/attribute', data: { user: userId, realm: this.realm, key: attribute, value: [...groups, group].join(',') }, retry: 'always', what: `set the user attribute ${attribute}` },
      SetAttributeValueSchema,
    );
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const tokens = await this.tokensOf(userId);
    return tokens.map(toTokenInfo);
  }

  async startChallenge(_userId: string, _serial: string): Promise<{ challenge: string }> {
    throw new NotSupportedByPlatform(PLATFORM, 'issue a challenge for a token resync', UI_CHALLENGE);
  }

  async resyncChallenge(_userId: string, _serial: string, _challenge: string, _response: string): Promise<ResyncOutcome> {
    throw new NotSupportedByPlatform(PLATFORM, 'resync a challenge/response token', UI_CHALLENGE);
  }

  async resyncOtp(userId: string, serial: string, code1: string, code2: string): Promise<ResyncOutcome> {
    const token = await this.tokenOf(userId, serial);
    if (!OTP_TYPES.has(token.tokentype.toLowerCase())) {
      throw new NotSupportedByPlatform(
        PLATFORM,
        `resync a ${token.tokentype} token`,
        `only HOTP and TOTP tokens resync through the API; in the web UI open Tokens > ${serial} and check the token type`,
      );
    }
    // Revoked, locked and disabled tokens are an administrator's decision: the bot does not undo it.
    if (token.revoked || token.locked || !token.active) return { ok: false, reason: 'token_locked' };
    await this.rights.require('resync', 'resync the token');
    const sent = await this.sent.remember(serial, code1, code2);
    // Not repeated after a time-out: the first request may have moved the counter past these codes.
    const resynced = await this.call(
      'resync',
      { method: 'POST', path: '/token/resync', data: { serial, otp1: code1, otp2: code2 }, retry: 'unsent', what: 'resync the token' },
      ResyncValueSchema,
    );
    if (resynced) {
      await this.sent.settle(sent.id, 'ok', sent.at);
      return this.loginPossible(userId, serial, { ok: true });
    }
    // privacyIDEA answers only true/false: wrong codes, codes too far ahead and codes already used look the same.
    // Only these very codes, sent by us before, can have been used by us: a retry after a lost answer.
    if (!(await this.usedBefore(serial, sent.before))) {
      await this.sent.settle(sent.id, 'refused', sent.at);
      return { ok: false, reason: 'codes_not_in_window' };
    }
    await this.sent.settle(sent.id, 'ok', sent.at);
    return this.loginPossible(userId, serial, { ok: false, reason: 'codes_already_used' });
  }

  /**
   * Whether the same codes, sent earlier, were used by privacyIDEA: it said so, or the answer was lost and the first
   * resync of the token audited since they were sent — that lost request — succeeded (api/token.py resync_api audits
   * serial and success; the retry just refused comes after it, as may an agent's or another resync of ours).
   */
  private async usedBefore(serial: string, before: SentRecord | undefined): Promise<boolean> {
    if (before === undefined || before.state === 'refused') return false;
    if (before.state === 'ok') return true;
    const seconds = Math.max(1, Math.ceil((this.now() - before.at) / 1000)) + AUDIT_MARGIN_S;
    const page = await this.call(
      'auditlog',
      {
        method: 'GET',
        path: '/audit/',
        params: { serial, action: RESYNC_ACTION, timelimit: `${seconds}s`, sortorder: 'asc', page: '1', page_size: '1' },
        retry: 'always',
        what: 'read the audit log for an earlier resync',
      },
      AuditPageSchema,
    );
    const first = page.auditdata[0];
    return first !== undefined && first.serial === serial && (first.success === true || first.success === 1);
  }

  /**
   * The codes proved the requester holds the token; whether they can log in now is the fail counter's call.
   * privacyIDEA resets it on a resync only with DefaultResetFailCount on and below maxfail (lib/tokenclass.py
   * inc_otp_counter), so a token at its limit keeps refusing ("Failcounter exceeded") until POST /token/reset.
   * Read after the resync, so it is the counter privacyIDEA left, whatever its configuration.
   */
  private async loginPossible(userId: string, serial: string, success: ResyncOutcome): Promise<ResyncOutcome> {
    if (!atFailLimit(await this.tokenOf(userId, serial))) return success;
    if (!(await this.rights.allows('reset'))) return FAIL_LIMIT;
    try {
      await this.client.call({ method: 'POST', path: '/token/reset', data: { serial }, retry: 'always', what: 'reset the fail counter', right: 'reset' }, ResetValueSchema);
    } catch (err) {
      if (err instanceof PlatformForbidden) return FAIL_LIMIT;
      throw err;
    }
    return atFailLimit(await this.tokenOf(userId, serial)) ? FAIL_LIMIT : success;
  }

  async recentAuthentications(userId: string, since: number): Promise<AuthRecord[]> {
    await this.requireUser(userId);
    // The server filters by its own clock (timelimit), so the zone of its naive audit dates does not matter here.
    const seconds = Math.max(1, Math.ceil((this.now() - since) / 1000) + 1);
    const page = await this.call(
      'auditlog',
      {
        method: 'GET',
        path: '/audit/',
        params: { user: userId, realm: this.realm, action: VALIDATE_ACTION, timelimit: `${seconds}s`, sortorder: 'desc', page: '1', page_size: String(AUDIT_PAGE_SIZE) },
        retry: 'always',
        what: 'read the audit log',
      },
      AuditPageSchema,
    );
    // Only the user's own logins (GET|POST /validate/check), whatever the server's wildcard matched: a resync or a
    // fail-counter reset of their token by the bot is never a login.
    return page.auditdata
      .filter((e) => VALIDATE_ACTION_RE.test(e.action) && (e.user ?? userId) === userId)
      .map(toAuthRecord)
      .filter((r) => !Number.isNaN(r.at))
      .sort((a, b) => b.at - a.at);
  }

  /** One call that needs `right`: refused here, naming it, when the bot is known not to hold it. */
  private async call<S extends z.ZodType>(right: AdminRight, call: Omit<Call, 'right'>, value: S): Promise<z.output<S>> {
    await this.rights.require(right, call.what);
    return this.client.call({ ...call, right }, value);
  }

  /** The user's token `serial`, or TokenNotFound (another user's token is not found either). */
  private async tokenOf(userId: string, serial: string): Promise<PiToken> {
    const token = (await this.tokensOf(userId, serial)).find((t) => t.serial === serial);
    if (token === undefined) throw new TokenNotFound(serial);
    return token;
  }

  /** The user's tokens (all pages), or the one with `serial`; an unknown user is PlatformUserNotFound. */
  private async tokensOf(userId: string, serial?: string): Promise<PiToken[]> {
    const out: PiToken[] = [];
    for (let page = 1; page <= MAX_TOKEN_PAGES; page++) {
      const params: Record<string, string> = { user: userId, realm: this.realm, page: String(page), pagesize: String(TOKEN_PAGE_SIZE) };
      if (serial !== undefined) params.serial = serial;
      let result;
      try {
        result = await this.call('tokenlist', { method: 'GET', path: '/token/', params, retry: 'always', what: 'list tokens' }, TokenPageSchema);
      } catch (err) {
        if (err instanceof PrivacyIdeaRefused && err.code === PI_ERROR.USER) throw new PlatformUserNotFound(userId);
        throw err;
      }
      out.push(...result.tokens);
      if (result.next === null) break;
    }
    // Without `tokenlist` for the realm privacyIDEA answers an empty list, not 403: "no token" must be checked.
    if (out.length === 0 && listsRealm(await probeTokenlistRealms(this.client, { user: userId, realm: this.realm }), this.realm) === false) {
      throw missingRight('tokenlist', 'list tokens', this.realm);
    }
    return out;
  }

  private async requireUser(userId: string): Promise<void> {
    const users = await this.call('userlist', { method: 'GET', path: '/user/', params: { realm: this.realm, username: userId }, retry: 'always', what: 'read the user' }, UserListSchema);
    if (!users.some((u) => u.username === userId)) throw new PlatformUserNotFound(userId);
  }

  private async readGroupAttribute(userId: string, attribute: string): Promise<string | null> {
    return this.client.call(
      { method: 'GET', path: '/user/attribute', params: { user: userId, realm: this.realm, key: attribute }, retry: 'always', what: `read the user attribute ${attribute}` },
      AttributeValueSchema,
    );
  }
}

/** The resync worked, but privacyIDEA refuses every login of the token until its fail counter is reset. */
const FAIL_LIMIT: ResyncOutcome = { ok: false, reason: 'fail_limit' };

/** privacyIDEA refuses a token whose fail counter reached maxfail (lib/tokenclass.py check_failcount). */
function atFailLimit(t: PiToken): boolean {
  return t.maxfail !== undefined && t.failcount >= t.maxfail;
}

function toPlatformUser(u: PiUser): PlatformUser {
  return {
    id: u.username,
    userName: u.username,
    ...(u.email ? { email: u.email } : {}),
    ...(u.givenname ? { firstName: u.givenname } : {}),
    ...(u.surname ? { lastName: u.surname } : {}),
  };
}

function splitGroups(value: string | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((g) => g.trim()).filter(Boolean))];
}

export function toTokenInfo(t: PiToken): TokenInfo {
  const state: TokenInfo['state'] = t.revoked ? 'revoked' : t.locked ? 'locked' : !t.active ? 'disabled' : 'active';
  const otp = OTP_TYPES.has(t.tokentype.toLowerCase()) && (t.otplen === 6 || t.otplen === 8);
  return { serial: t.serial, type: t.tokentype, mode: otp ? 'otp' : 'other', state, codeLength: t.otplen === 8 ? 8 : 6 };
}

function toAuthRecord(e: PiAuditEntry): AuthRecord {
  // Audit dates are the server's naive local time (models/audit.py: datetime.now); read as UTC.
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(e.date) ? e.date : `${e.date}Z`;
  return { at: Date.parse(iso), success: e.success === true || e.success === 1, ...(e.serial ? { serial: e.serial } : {}) };
}
