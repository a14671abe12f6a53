import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PlatformUser, TokenInfo } from '../../../workflows/resync/index.js';
import { PlatformUnavailable, PlatformUserNotFound, TokenNotFound } from '../errors.js';
import type { AuthRecord, PlatformCapabilities, ResyncOutcome, ResyncRequest, TwoFactorPlatform, UserQuery } from '../platform.js';
import { GroupNotFound } from './group-not-found.js';
import { findConsecutive, verify } from './hotp.js';
import { findChallengeResponse } from './ocra.js';
import type { Seed } from './seed.js';
import { LocalPlatformStore, type AdvanceRequest, type SeedOptions, type StoredToken, type TokenChange, type UserField } from './store.js';
import { TokenModeMismatch } from './token-mode-mismatch.js';

export interface LocalPlatformOptions {
  redis: Redis;
  /** keys live under `<prefix>:tfa:` */
  prefix: string;
  /** counters searched ahead of the server's on a resync, RFC 4226 §7.4 (default 1000) */
  lookAheadWindow?: number;
  /** counters accepted ahead of the server's at login, RFC 4226 §7.2 (default 3, at most 99) */
  authWindow?: number;
  /** in [0, 1): replaces node:crypto's randomInt for challenges, so tests can predict them */
  random?: () => number;
  now?: () => number;
  /** the connection was opened for this platform alone (TWOFA_LOCAL_REDIS_URL): close() ends it */
  ownsRedis?: boolean;
}

const CHALLENGE_DIGITS = 8;
// A conflict needs another process to move the same token between our read and write; a few
// rounds settle any real contention, more would mean something loops.
const MAX_CAS_ROUNDS = 5;

type Outcome = ResyncOutcome | { retry: true };
/** where the codes put the counter, or why they do not */
type Search = (token: StoredToken) => AdvanceRequest | 'codes_already_used' | 'codes_not_in_window';

/**
 * The embedded 2FA platform: HOTP (MobilePASS-like) and OCRA challenge/response (KT-4-like) tokens
 * with real counters in Redis, so drift, resync and replays behave as on a real server.
 */
export class LocalPlatform implements TwoFactorPlatform {
  readonly name = 'local';
  readonly capabilities: PlatformCapabilities = { canAddToGroup: true, canResync: true, canChallenge: true, canReadAuthLog: true };
  private readonly store: LocalPlatformStore;
  private readonly lookAheadWindow: number;
  private readonly authWindow: number;
  private readonly random: (() => number) | undefined;
  private readonly now: () => number;
  private readonly ownRedis: Redis | undefined;

  constructor(options: LocalPlatformOptions) {
    this.ownRedis = options.ownsRedis ? options.redis : undefined;
    this.store = new LocalPlatformStore(options.redis, options.prefix);
    this.lookAheadWindow = options.lookAheadWindow ?? 1000;
    this.authWindow = options.authWindow ?? 3;
    if (!Number.isInteger(this.lookAheadWindow) || this.lookAheadWindow < 1) throw new RangeError('lookAheadWindow must be a positive integer');
    if (!Number.isInteger(this.authWindow) || this.authWindow < 0 || this.authWindow > 99) throw new RangeError('authWindow must be an integer from 0 to 99');
    this.random = options.random;
    this.now = options.now ?? Date.now;
  }

  seed(data: Seed, options?: SeedOptions): Promise<void> {
    return this.store.seed(data, options);
  }

  /** Deletes all of this platform's keys (demo resets, test clean-up). */
  clear(): Promise<void> {
    return this.store.clear();
  }

  /** Ends the connection when it is the platform's own; otherwise it belongs to whoever passed it in. */
  async close(): Promise<void> {
    await this.ownRedis?.quit().catch(() => this.ownRedis?.disconnect());
  }

  async findUsers(query: UserQuery): Promise<PlatformUser[]> {
    const asked = (['email', 'userName', 'lastName'] as const satisfies readonly UserField[])
      .map((field) => [field, query[field]?.trim()] as const)
      .filter((pair): pair is readonly [UserField, string] => !!pair[1]);
    return this.store.findUsers(asked);
  }

  async getGroups(userId: string): Promise<string[]> {
    // the user and the groups read together (one round trip): groups of a user that does not exist are not returned
    const [, groups] = await Promise.all([this.requireUser(userId), this.store.getGroups(userId)]);
    return groups;
  }

  async addToGroup(userId: string, group: string): Promise<void> {
    await this.requireUser(userId);
    if (!(await this.store.groupExists(group))) throw new GroupNotFound(group);
    await this.store.addMembership(userId, group);
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const tokens = await this.store.listTokensOfUser(userId);
    if (!tokens) throw new PlatformUserNotFound(userId);
    return tokens.map(
      (t): TokenInfo =>
        t.kind === 'kt4'
          ? { serial: t.serial, type: 'KT-4', mode: 'challenge', state: t.state, codeLength: 8 }
          : { serial: t.serial, type: 'MobilePASS', mode: 'otp', state: t.state, codeLength: t.digits },
    );
  }

  async startChallenge(userId: string, serial: string): Promise<{ challenge: string }> {
    const token = await this.requireToken(userId, serial);
    if (token.kind !== 'kt4') throw new TokenModeMismatch(serial, 'MobilePASS', 'answer a challenge');
    const n = this.random ? Math.floor(this.random() * 10 ** CHALLENGE_DIGITS) : randomInt(10 ** CHALLENGE_DIGITS);
    const challenge = String(n).padStart(CHALLENGE_DIGITS, '0');
    if (!(await this.store.setChallenge(serial, challenge))) throw new TokenNotFound(serial);
    return { challenge };
  }

  async resyncOtp(userId: string, serial: string, code1: string, code2: string, request: ResyncRequest = {}): Promise<ResyncOutcome> {
    const outcome = await this.resync(
      userId,
      serial,
      (token) => {
        const window = this.lookAheadWindow;
        const ahead = findConsecutive(token.secret, token.counter, window, code1, code2, token.digits);
        if (ahead !== null) return { expectedCounter: token.counter, newCounter: ahead + 2 };
        const from = Math.max(0, token.counter - window);
        const behind = findConsecutive(token.secret, from, token.counter - from, code1, code2, token.digits);
        return behind !== null ? 'codes_already_used' : 'codes_not_in_window';
      },
      request.requestId,
    );
    return !outcome.ok && outcome.reason === 'codes_already_used' && (await this.madeLastResync(serial, request.requestId)) ? { ok: true, repeated: true } : outcome;
  }

  /** Whether the token's last resync was this very request (its id): sent again, it finds the token in sync by it. */
  private async madeLastResync(serial: string, requestId: string | undefined): Promise<boolean> {
    if (requestId === undefined) return false;
    const [last] = await this.store.changeLog(serial);
    return last?.requestId === requestId;
  }

  resyncChallenge(userId: string, serial: string, challenge: string, response: string): Promise<ResyncOutcome> {
    return this.resync(userId, serial, (token) => {
      if (token.kind !== 'kt4') throw new TokenModeMismatch(serial, 'MobilePASS', 'answer a challenge');
      const window = this.lookAheadWindow;
      const from = Math.max(0, token.counter - window);
      const answeredBefore = () => findChallengeResponse(token.secret, from, token.counter - from, challenge, response) !== null;
      if (token.challenge !== challenge) {
        // The challenge answered last time, sent again with its response, is a replay.
        return token.usedChallenge === challenge && answeredBefore() ? 'codes_already_used' : 'codes_not_in_window';
      }
      const ahead = findChallengeResponse(token.secret, token.counter, window, challenge, response);
      if (ahead !== null) return { expectedCounter: token.counter, newCounter: ahead + 1, challenge };
      return answeredBefore() ? 'codes_already_used' : 'codes_not_in_window';
    });
  }

  /**
   * Read, search, compare-and-set; on a conflict read again, so that of two resyncs with the same
   * codes exactly one succeeds and the other finds the codes behind the counter.
   */
  private async resync(
    userId: string,
    serial: string,
    search: Search,
    requestId?: string,
  ): Promise<ResyncOutcome> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const outcome = await this.resyncOnce(userId, serial, search, requestId);
      if (!('retry' in outcome)) return outcome;
    }
    throw new PlatformUnavailable(this.name, `token ${serial} kept changing during the resync`);
  }

  private async resyncOnce(
    userId: string,
    serial: string,
    search: Search,
    requestId?: string,
  ): Promise<Outcome> {
    const token = await this.requireToken(userId, serial);
    // Locked, revoked and disabled tokens are an administrator's decision: the bot does not undo it.
    if (token.state !== 'active') return { ok: false, reason: 'token_locked' };
    const found = search(token);
    if (typeof found === 'string') {
      await this.store.recordFailure(serial);
      return { ok: false, reason: found };
    }
    switch (await this.store.advanceCounter(serial, found)) {
      case 'ok':
        await this.store.appendChange(serial, { at: this.now(), action: 'resync', fromCounter: found.expectedCounter, toCounter: found.newCounter, ...(requestId !== undefined ? { requestId } : {}) });
        return { ok: true };
      case 'not_active':
        return { ok: false, reason: 'token_locked' };
      case 'gone':
        throw new TokenNotFound(serial);
      case 'moved':
        return { retry: true };
    }
  }

  /**
   * A login by a simulated end user. Every token kind logs in with the HOTP code the device shows
   * at its counter (a KT-4 is also an event token: 8 digits, HOTP-SHA1), within `authWindow` ahead;
   * challenge/response is kept for resync, as on the real platform's console.
   */
  async authenticate(userName: string, code: string): Promise<boolean> {
    const [userId] = (await this.store.findUserIds('userName', userName)).sort();
    if (userId === undefined) return false;
    const tokens = await this.store.listTokens(userId);
    for (const token of tokens) {
      if (await this.loginWith(token.serial, code)) {
        await this.store.appendAuth(userId, { at: this.now(), success: true, serial: token.serial });
        return true;
      }
    }
    for (const token of tokens) if (token.state === 'active') await this.store.recordFailure(token.serial);
    const only = tokens.length === 1 ? tokens[0] : undefined;
    await this.store.appendAuth(userId, { at: this.now(), success: false, ...(only ? { serial: only.serial } : {}) });
    return false;
  }

  private async loginWith(serial: string, code: string): Promise<boolean> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const token = await this.store.getToken(serial);
      if (!token || token.state !== 'active') return false;
      const at = verify(token.secret, token.counter, code, token.digits, this.authWindow);
      if (at === null) return false;
      const result = await this.store.advanceCounter(serial, { expectedCounter: token.counter, newCounter: at + 1 });
      if (result !== 'moved') return result === 'ok';
    }
    return false;
  }

  /** every successful resync of the token, newest first (the console's Change Log) */
  changeLog(serial: string): Promise<TokenChange[]> {
    return this.store.changeLog(serial);
  }

  async recentAuthentications(userId: string, since: number): Promise<AuthRecord[]> {
    await this.requireUser(userId);
    return this.store.authSince(userId, since);
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.store.getUser(userId))) throw new PlatformUserNotFound(userId);
  }

  private async requireToken(userId: string, serial: string): Promise<StoredToken> {
    const token = await this.store.getToken(serial);
    // Another user's token is reported as missing: the caller has no business knowing it exists.
    if (!token || token.userId !== userId) throw new TokenNotFound(serial);
    return token;
  }
}
