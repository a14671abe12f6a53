import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthRecord, ResyncOutcome } from '../platform.js';
import type { RadiusAnswer, StaRadiusClient } from './radius-client.js';
import { StaRadiusNoAnswer } from './radius-errors.js';

export interface RadiusResyncOptions {
  client: Pick<StaRadiusClient, 'authenticate'>;
  redis: Redis;
  /** REDIS_PREFIX */
  prefix: string;
  /** the STA account (API URL and tenant): hashed into the keys */
  account: string;
  /** the tenant's lock-out threshold: consecutive failed logins that lock a user; 0 = no lock-out */
  lockoutThreshold: number;
  /** the user's authentications, newest first (the adapter's auth-log read), for counting recent failures */
  recentAuthentications: (userName: string) => Promise<AuthRecord[]>;
  /** tolerated clock difference between STA's log times and ours when the bot's own logins are recognised */
  logSkewMs: number;
  now?: () => number;
}

/** how many of its own logins the bot remembers per user, and for how long (bounded keys) */
const OWN_LOGINS_KEPT = 20;
const OWN_LOGINS_TTL_MS = 2 * 86_400_000;

/**
 * Resync at authentication, as STA's token policy "Synchronization" intends: a code in the inner window simply
 * authenticates; a code in the outer window gets an Access-Challenge for the next code, and that code sent back
 * with the challenge's State resynchronises the token. So the requester's two consecutive codes become at most two
 * RADIUS authentications. Every authentication is a real login of the user as far as STA knows: the bot refuses
 * to send codes that could lock the user out, remembers its own logins so the re-test never counts them, and never
 * resends codes whose outcome it did not see.
 */
export class RadiusResync {
  private readonly now: () => number;
  private readonly keyBase: string;

  constructor(private readonly o: RadiusResyncOptions) {
    this.now = o.now ?? Date.now;
    const account = createHash('sha256').update(o.account).digest('hex').slice(0, 16);
    this.keyBase = `${o.prefix}:sta-own-logins:${account}`;
  }

  async resync(userName: string, code1: string, code2: string): Promise<ResyncOutcome> {
    if (await this.closeToLockout(userName)) return { ok: false, reason: 'lockout_risk' };
    const first = await this.authenticate(userName, code1);
    if (first === undefined) return { ok: false, reason: 'outcome_unknown' };
    if (first.kind === 'accept') {
      // The first code was in the inner window: the token was never out of sync, and the second code stays unused.
      await this.rememberOwnLogin(userName);
      return { ok: true, alreadyInSync: true };
    }
    if (first.kind === 'reject') return { ok: false, reason: 'codes_not_in_window' };
    const second = await this.authenticate(userName, code2, first.state);
    if (second === undefined) return { ok: false, reason: 'outcome_unknown' };
    if (second.kind === 'accept') {
      await this.rememberOwnLogin(userName);
      return { ok: true };
    }
    // A Reject, or yet another challenge (not the next code, or a policy asking for more): the bot answers no further.
    return { ok: false, reason: 'codes_not_in_window' };
  }

  /** Drops, from a user's authentications, the successful ones that are the bot's own RADIUS logins. */
  async withoutOwnLogins(userName: string, records: AuthRecord[]): Promise<AuthRecord[]> {
    if (!records.some((r) => r.success)) return records;
    const own = (await this.o.redis.zrange(this.ownKey(userName), 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    if (own.length === 0) return records;
    const skew = this.o.logSkewMs;
    return records.filter((r) => !r.success || !own.some((t) => Math.abs(r.at - t) <= skew));
  }

  /**
   * True when one more failure could lock the user out: their failed logins since the last success (the failures
   * that count toward the lock-out), plus the one failure a wrong pair of codes costs, reach the threshold.
   */
  private async closeToLockout(userName: string): Promise<boolean> {
    const threshold = this.o.lockoutThreshold;
    if (threshold === 0) return false;
    const records = await this.o.recentAuthentications(userName);
    let failures = 0;
    for (const r of records) {
      if (r.success) break;
      failures += 1;
    }
    return failures + 1 >= threshold;
  }

  /** One authentication; undefined when its outcome is unknown (no valid answer: the codes may have been used). */
  private async authenticate(userName: string, password: string, state?: Buffer): Promise<RadiusAnswer | undefined> {
    try {
      return await this.o.client.authenticate({ userName, password, ...(state ? { state } : {}) });
    } catch (err) {
      // StaRadiusBadSecret goes on up: a wrong shared secret is a set-up fault only an operator can fix.
      if (err instanceof StaRadiusNoAnswer) return undefined;
      throw err;
    }
  }

  private async rememberOwnLogin(userName: string): Promise<void> {
    const key = this.ownKey(userName);
    const at = this.now();
    await this.o.redis
      .multi()
      .zadd(key, at, `${at}:${randomBytes(4).toString('hex')}`)
      .zremrangebyrank(key, 0, -(OWN_LOGINS_KEPT + 1))
      .pexpire(key, OWN_LOGINS_TTL_MS)
      .exec();
  }

  private ownKey(userName: string): string {
    return `${this.keyBase}:${createHash('sha256').update(userName.toLowerCase()).digest('hex').slice(0, 24)}`;
  }
}
