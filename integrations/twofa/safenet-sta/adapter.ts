import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PlatformUser, TokenInfo } from '../../../workflows/resync/index.js';
import { NotSupportedByPlatform, PlatformUserNotFound } from '../errors.js';
import { GroupNotFound } from '../local/group-not-found.js';
import type { AuthRecord, PlatformCapabilities, ResyncOutcome, TwoFactorPlatform, UserQuery } from '../platform.js';
import { PlatformGuard } from '../shared/platform-guard.js';
import { BsidcaClient, type BsidcaClientOptions } from './bsidca-client.js';
import { StaRadiusClient } from './radius-client.js';
import { RadiusResync } from './radius-resync.js';
import { PLATFORM, StaRestClient, type StaRestClientOptions } from './client.js';
import type { StaConfig } from './config.js';
import { StaGroupSchema, StaLogSchema, StaUserSchema, type BsidcaToken, type StaLog, type StaUser } from './schemas.js';
import { StaListTooLong, StaNotFound, StaRefused, StaUserScanLimit } from './sta-errors.js';

export interface SafeNetStaPlatformOptions {
  config: StaConfig;
  redis: Redis;
  /** REDIS_PREFIX: the shared rate limit and breaker live under it */
  prefix: string;
  /** test hooks: faster retries, a fake clock */
  client?: Partial<Pick<StaRestClientOptions & BsidcaClientOptions, 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'maxRetryAfterMs' | 'sessionTtlMs' | 'now'>>;
}

const MAX_LIST_PAGES = 50;
const MAX_LOG_PAGES = 10;
const USER_CACHE_TTL_S = 60;
/** how long one worker reads the user list for the others before they stop waiting and read it themselves */
const USER_SCAN_LOCK_MS = 30_000;
const USER_SCAN_POLL_MS = 100;

/** The user list as kept in Redis: only the fields findUsers compares and returns (no key, no secret), or "too long". */
const CachedUsersSchema = z.union([z.object({ users: z.array(StaUserSchema) }), z.object({ tooLong: z.literal(true) })]);
type CachedUsers = z.infer<typeof CachedUsersSchema>;

/** The runbook's console steps (Redcentric "How To Resync A Token"), for what the APIs cannot do. */
export const CONSOLE = {
  locate: 'log in to the STA console (https://cloud.safenet-inc.com/), Assignment tab: search the user by Last Name or User ID',
  resyncOtp:
    'log in to the STA console (https://cloud.safenet-inc.com/), Assignment tab: search the user by Last Name or User ID > Authentication Methods > "Manage" next to the MobilePASS token > "Resync": ask the user for the code their MobilePASS app shows and type it in the first box, then the next code in the second box, click "Resync", and have the user re-try their login',
  resyncChallenge:
    'log in to the STA console (https://cloud.safenet-inc.com/), Assignment tab: search the user by Last Name or User ID > Authentication Methods > "Manage" next to the KT token > "Resync": the user holds the KT-4 button until the options (Init, Contrast …) show, presses it again at "Resync", types the code from the Challenge box and reads back the response; type it in Response, click "Resync", and have the user re-test their service',
  tokens:
    'log in to the STA console (https://cloud.safenet-inc.com/), Assignment tab: search the user by Last Name or User ID > Authentication Methods lists each token\'s Type (MobilePASS, KT …), Serial and State (or set STA_SOAP_URL/STA_SOAP_USER/STA_SOAP_PASSWORD so the bot reads them through BSIDCA)',
} as const;

/**
 * SafeNet Trusted Access behind the TwoFactorPlatform interface. REST API: users, group membership and
 * the authentication logs. BSIDCA (SOAP, optional): the user's tokens. Neither public reference documents
 * a token resync or a challenge, so those steps go to a human with the console steps of the runbook.
 * The platform user id is the STA user name (the REST API's key for GET /users/{userName}).
 */
export class SafeNetStaPlatform implements TwoFactorPlatform {
  readonly name = PLATFORM;
  readonly capabilities: PlatformCapabilities;
  readonly consoleUrl: string;
  readonly rest: StaRestClient;
  readonly bsidca: BsidcaClient | undefined;
  readonly radius: StaRadiusClient | undefined;
  private readonly radiusResync: RadiusResync | undefined;
  private readonly userScanPages: number;
  private readonly now: () => number;
  /** STA object ids by user name: they never change, so one lookup per process is enough */
  private readonly ids = new Map<string, string>();
  private readonly redis: Redis;
  /** the tenant's user list in Redis (per page cap), shared by every worker for `ttlS` seconds; 0: not kept */
  private readonly userCache: { key: string; ttlS: number };
  /** this process's read of the user list in progress: concurrent searches wait for it */
  private userListing: Promise<StaUser[]> | undefined;

  constructor(options: SafeNetStaPlatformOptions) {
    const { config } = options;
    const now = options.client?.now;
    this.now = now ?? Date.now;
    const guard = new PlatformGuard({ redis: options.redis, prefix: options.prefix, platform: PLATFORM, account: `${config.apiUrl}|${config.tenantCode}`, ...config.guard, ...(now ? { now } : {}) });
    this.userScanPages = config.userScanPages;
    this.redis = options.redis;
    const tenant = createHash('sha256').update(`${config.apiUrl}|${config.tenantCode}`).digest('hex').slice(0, 16);
    this.userCache = { key: `${options.prefix}:sta:users:${tenant}:${config.userScanPages}`, ttlS: config.userCacheTtlS ?? USER_CACHE_TTL_S };
    this.consoleUrl = config.consoleUrl;
    this.rest = new StaRestClient({
      apiUrl: config.apiUrl,
      tenantCode: config.tenantCode,
      apiKey: config.apiKey,
      guard,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      ...options.client,
    });
    this.bsidca = config.soap
      ? new BsidcaClient({ ...config.soap, guard, timeoutMs: config.timeoutMs, retries: config.retries, ...options.client })
      : undefined;
    const radius = config.radius;
    this.radius = radius ? new StaRadiusClient(radius) : undefined;
    this.radiusResync = this.radius
      ? new RadiusResync({
          client: this.radius,
          redis: options.redis,
          prefix: options.prefix,
          account: `${config.apiUrl}|${config.tenantCode}`,
          lockoutThreshold: config.lockout.threshold,
          recentAuthentications: (userName) => this.authLog(userName, this.now() - config.lockout.lookbackMs),
          logSkewMs: config.logSkewMs,
          ...(now ? { now } : {}),
        })
      : undefined;
    // MobilePASS (and other event-based OTP tokens) resync at authentication over RADIUS; a KT-4's challenge/response
    // resync has no API (see README), so canChallenge stays off.
    this.capabilities = {
      canAddToGroup: true,
      canResync: radius !== undefined,
      canChallenge: false,
      canReadAuthLog: true,
      ...(radius ? { resyncByAuthentication: true, resyncTriesPerTicket: radius.maxPairs } : {}),
    };
  }

  async close(): Promise<void> {
    this.rest.close();
    this.bsidca?.close();
    this.radius?.close();
  }

  async findUsers(query: UserQuery): Promise<PlatformUser[]> {
    const userName = query.userName?.trim();
    const email = query.email?.trim().toLowerCase();
    const lastName = query.lastName?.trim().toLowerCase();
    if (!userName && !email && !lastName) return [];
    let candidates: StaUser[];
    if (userName) {
      const user = await this.userByName(userName);
      candidates = user ? [user] : [];
    } else {
      // The reference documents no search parameter for GET /users (Thales's ConnId connector and the XSOAR integration
      // page through it too): the list is read and compared here, once per STA_USER_CACHE_TTL_S for all workers.
      candidates = await this.userList();
    }
    return candidates
      .filter((u) => (!email || (u.email ?? '').toLowerCase() === email) && (!lastName || (u.lastName ?? '').toLowerCase() === lastName))
      .map((u) => {
        this.ids.set(u.userName, u.id);
        return toPlatformUser(u);
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * The tenant's users for a search by email or last name. An unknown requester is searched twice (email, then last
   * name) and a few such tickets a minute would each page through the list: kept in Redis, one read per TTL serves
   * every search of every worker. One process reads at a time (the promise), one worker at a time (a lock in Redis);
   * the others wait for its result. A list longer than the page cap is kept as "too long", so it is not re-read either.
   */
  private userList(): Promise<StaUser[]> {
    if (this.userCache.ttlS === 0) return this.scanUsers();
    this.userListing ??= this.cachedUserList().finally(() => {
      this.userListing = undefined;
    });
    return this.userListing;
  }

  private async cachedUserList(): Promise<StaUser[]> {
    const { key, ttlS } = this.userCache;
    const lock = `${key}:lock`;
    const token = randomUUID();
    const giveUpAt = Date.now() + USER_SCAN_LOCK_MS;
    for (;;) {
      const cached = parseCachedUsers(await this.redis.get(key));
      if (cached) return this.usersOf(cached);
      if ((await this.redis.set(lock, token, 'PX', USER_SCAN_LOCK_MS, 'NX')) === 'OK') break;
      // The worker reading it is stuck or gone: read it here rather than wait any longer.
      if (Date.now() >= giveUpAt) return this.scanUsers();
      await sleep(USER_SCAN_POLL_MS);
    }
    try {
      let record: CachedUsers;
      try {
        record = { users: (await this.scanUsers()).map((u) => StaUserSchema.parse({ id: u.id, userName: u.userName, firstName: u.firstName, lastName: u.lastName, email: u.email })) };
      } catch (err) {
        if (!(err instanceof StaUserScanLimit)) throw err;
        record = { tooLong: true };
      }
      await this.redis.set(key, JSON.stringify(record), 'EX', ttlS);
      return this.usersOf(record);
    } finally {
      // A failed read frees the others at once; a lock that expired and was taken by another worker is left alone.
      if ((await this.redis.get(lock)) === token) await this.redis.del(lock);
    }
  }

  private scanUsers(): Promise<StaUser[]> {
    return this.rest.all({ method: 'GET', path: '/users', retry: 'always', what: 'list users' }, StaUserSchema, this.userScanPages, () => new StaUserScanLimit(this.userScanPages));
  }

  private usersOf(cached: CachedUsers): StaUser[] {
    if ('tooLong' in cached) throw new StaUserScanLimit(this.userScanPages);
    return cached.users;
  }

  async getGroups(userId: string): Promise<string[]> {
    const id = await this.staId(userId);
    const groups = await this.rest.all({ method: 'GET', path: `/users/${encodeURIComponent(id)}/groups`, retry: 'always', what: "read the user's groups" }, StaGroupSchema, MAX_LIST_PAGES, tooMany('groups of the user', MAX_LIST_PAGES));
    return groups.map((g) => g.name);
  }

  async addToGroup(userId: string, group: string): Promise<void> {
    if ((await this.getGroups(userId)).includes(group)) return;
    const id = await this.staId(userId);
    const groups = await this.rest.all({ method: 'GET', path: '/groups', retry: 'always', what: 'list groups' }, StaGroupSchema, MAX_LIST_PAGES, tooMany('groups', MAX_LIST_PAGES));
    const target = groups.find((g) => g.name === group);
    if (!target) throw new GroupNotFound(group);
    try {
      await this.rest.call(
        { method: 'POST', path: `/groups/${encodeURIComponent(target.id)}/members`, data: { id, type: 'User' }, retry: 'always', what: `add the user to group ${group}` },
        z.unknown(),
      );
    } catch (err) {
      // Another worker added it between our read and our write: the membership is there, which is all we want.
      if (err instanceof StaRefused && err.status === 409) return;
      throw err;
    }
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    await this.staId(userId);
    if (!this.bsidca) throw new NotSupportedByPlatform(PLATFORM, "list a user's tokens (the REST reference documents no token listing; BSIDCA is not configured)", CONSOLE.tokens);
    const serials = await this.bsidca.tokensByOwner(userId);
    const tokens: TokenInfo[] = [];
    for (const serial of serials) {
      const token = await this.bsidca.token(serial);
      if (token) tokens.push(toTokenInfo(token));
    }
    return tokens;
  }

  /**
   * Over RADIUS (STA_RADIUS_*): the two codes as at most two authentications of the user, the second with the State
   * of STA's outer-window challenge. STA resyncs the user's token that the codes match; the serial is not sent.
   */
  async resyncOtp(userId: string, serial: string, code1: string, code2: string): Promise<ResyncOutcome> {
    if (!this.radiusResync) throw new NotSupportedByPlatform(PLATFORM, `resync token ${serial} (STA_RADIUS_HOST is not set)`, CONSOLE.resyncOtp);
    return this.radiusResync.resync(userId, code1, code2);
  }

  async startChallenge(_userId: string, serial: string): Promise<{ challenge: string }> {
    throw new NotSupportedByPlatform(PLATFORM, `issue a resync challenge for token ${serial}`, CONSOLE.resyncChallenge);
  }

  async resyncChallenge(_userId: string, serial: string, _challenge: string, _response: string): Promise<ResyncOutcome> {
    throw new NotSupportedByPlatform(PLATFORM, `resync token ${serial}`, CONSOLE.resyncChallenge);
  }

  /** The user's logins since `since`, newest first, without the bot's own RADIUS logins (they are not the user's). */
  async recentAuthentications(userId: string, since: number): Promise<AuthRecord[]> {
    const records = await this.authLog(userId, since);
    return this.radiusResync ? this.radiusResync.withoutOwnLogins(userId, records) : records;
  }

  private async authLog(userId: string, since: number): Promise<AuthRecord[]> {
    await this.staId(userId);
    const logs = await this.rest.all(
      { method: 'GET', path: '/logs', params: { since: new Date(since).toISOString() }, retry: 'always', what: 'read the authentication logs' },
      StaLogSchema,
      MAX_LOG_PAGES,
      tooMany('logs since the resync', MAX_LOG_PAGES),
    );
    // Newest first; entries of the same millisecond keep the log's own order (oldest first), reversed, so a
    // failure logged after a success in the same millisecond still counts toward the lock-out.
    return logs
      .filter((l) => l.context.principalId === userId && l.details.type === 'AUTHENTICATION')
      .map((l, i) => ({ r: toAuthRecord(l), i }))
      .filter((x): x is { r: AuthRecord; i: number } => x.r !== undefined && x.r.at >= since)
      .sort((a, b) => b.r.at - a.r.at || b.i - a.i)
      .map((x) => x.r);
  }

  private async userByName(userName: string): Promise<StaUser | undefined> {
    try {
      // isUid=false: the path holds the user name, not the object id (as Thales's own ConnId connector asks for it).
      return await this.rest.call({ method: 'GET', path: `/users/${encodeURIComponent(userName)}`, params: { isUid: 'false' }, retry: 'always', what: 'read the user' }, StaUserSchema);
    } catch (err) {
      if (err instanceof StaNotFound) return undefined;
      throw err;
    }
  }

  private async staId(userName: string): Promise<string> {
    const known = this.ids.get(userName);
    if (known !== undefined) return known;
    const user = await this.userByName(userName);
    if (!user) throw new PlatformUserNotFound(userName);
    this.ids.set(user.userName, user.id);
    return user.id;
  }
}

/** A kept list that does not parse (written by another version) counts as none. */
function parseCachedUsers(raw: string | null): CachedUsers | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = CachedUsersSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function tooMany(what: string, pages: number): () => Error {
  return () => new StaListTooLong(what, pages);
}

function toPlatformUser(u: StaUser): PlatformUser {
  return {
    id: u.userName,
    userName: u.userName,
    ...(u.email ? { email: u.email } : {}),
    ...(u.firstName ? { firstName: u.firstName } : {}),
    ...(u.lastName ? { lastName: u.lastName } : {}),
  };
}

/** BSIDCA token types (MobilePASS, KT …) and states (Active, Locked, Suspended …) in the workflow's terms. */
export function toTokenInfo(t: BsidcaToken): TokenInfo {
  const type = t.type.trim();
  const kind = type.toLowerCase();
  const state = t.state.trim().toLowerCase();
  const mapped: TokenInfo['state'] = state === 'active' ? 'active' : state === 'locked' ? 'locked' : state === 'revoked' ? 'revoked' : 'disabled';
  if (kind.startsWith('mobilepass')) return { serial: t.serialnumber, type: 'MobilePASS', mode: 'otp', state: mapped, codeLength: 6 };
  if (kind === 'kt' || kind.startsWith('kt-') || kind.startsWith('kt4')) return { serial: t.serialnumber, type: 'KT-4', mode: 'challenge', state: mapped, codeLength: 8 };
  return { serial: t.serialnumber, type: type || 'unknown', mode: 'other', state: mapped, codeLength: 6 };
}

/** An AUTHENTICATION log: AUTH_SUCCESS is a login; CHALLENGE is a step inside one, not an outcome. */
function toAuthRecord(l: StaLog): AuthRecord | undefined {
  const result = l.details.resultText;
  if (result === undefined || result === '' || result === 'CHALLENGE') return undefined;
  const at = Date.parse(l.timeStamp);
  if (Number.isNaN(at)) return undefined;
  return { at, success: result === 'AUTH_SUCCESS', ...(l.details.serial ? { serial: l.details.serial } : {}) };
}
