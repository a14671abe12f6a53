import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PlatformUserSchema, type PlatformUser } from '../../../workflows/resync/index.js';
import { luaScript } from '../../shared/lua-script.js';
import type { AuthRecord } from '../platform.js';
import type { Seed } from './seed.js';

/** A token as the embedded platform keeps it. Holds the secret: never log one. */
export const StoredTokenSchema = z.object({
  serial: z.string(),
  userId: z.string(),
  kind: z.enum(['mobilepass', 'kt4']),
  secret: z.string(),
  /** the next counter the server expects */
  counter: z.coerce.number().int().nonnegative(),
  state: z.enum(['active', 'locked', 'revoked', 'disabled']),
  digits: z.coerce.number().pipe(z.union([z.literal(6), z.literal(8)])),
  /** failed logins and refused resyncs since the last success */
  failed: z.coerce.number().int().nonnegative().default(0),
  /** the challenge issued and not yet answered (KT-4) */
  challenge: z.string().optional(),
  /** the last challenge answered, kept to tell a replay from a wrong response */
  usedChallenge: z.string().optional(),
});
export type StoredToken = z.infer<typeof StoredTokenSchema>;

const AuthRecordSchema = z.object({ at: z.number(), success: z.boolean(), serial: z.string().optional() });

export type UserField = 'email' | 'userName' | 'lastName';

export interface SeedOptions {
  /** wipe everything of this platform first; otherwise tokens already stored keep their counter and state */
  replace?: boolean;
}

export interface AdvanceRequest {
  /** the counter the caller's search started from: the update applies only if it is still the same */
  expectedCounter: number;
  newCounter: number;
  /** when set, the pending challenge must still be this one; it is then marked used */
  challenge?: string;
}

/** 'moved': another process changed the counter or challenge first; search again from the new state */
export type AdvanceResult = 'ok' | 'moved' | 'not_active' | 'gone';

const ADVANCE = luaScript('lua/advance-counter.lua', import.meta.url);
const UPDATE_EXISTING = luaScript('lua/update-existing-token.lua', import.meta.url);
const PUT_TOKEN = luaScript('lua/put-token.lua', import.meta.url);
const FIND_USERS = luaScript('lua/find-users.lua', import.meta.url);
const LIST_TOKENS = luaScript('lua/list-tokens.lua', import.meta.url);

/** an HGETALL reply passed on by a script: field, value, field, value … */
const FlatHashSchema = z.array(z.string()).transform((flat) => {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] ?? ''] = flat[i + 1] ?? '';
  return hash;
});
/** [member, its hash] for each member of a set a script read */
const HashesReplySchema = z.array(z.tuple([z.string(), FlatHashSchema]));
const TokensReplySchema = z.tuple([FlatHashSchema, HashesReplySchema]);

/** in the order of a plain `sort()` of the members, as the reads before the scripts returned them */
function byMember([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const USER_FIELDS: readonly UserField[] = ['email', 'userName', 'lastName'];

function normalise(value: string): string {
  return value.trim().toLowerCase();
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

interface PlatformCommands {
  tfaAdvance(key: string, ...args: string[]): Promise<unknown>;
  tfaUpdateExisting(key: string, ...args: string[]): Promise<unknown>;
  tfaPutToken(tokenKey: string, tokensOfKey: string, ...args: string[]): Promise<unknown>;
  tfaFindUsers(numberOfKeys: number, ...indexKeysThenUserKeyPrefix: string[]): Promise<unknown>;
  tfaListTokens(userKey: string, tokensOfKey: string, tokenKeyPrefix: string, withUser: '1' | '0'): Promise<unknown>;
}

const SCRIPTS: Record<keyof PlatformCommands, { numberOfKeys?: number; lua: string }> = {
  tfaAdvance: { numberOfKeys: 1, lua: ADVANCE.lua },
  tfaUpdateExisting: { numberOfKeys: 1, lua: UPDATE_EXISTING.lua },
  tfaPutToken: { numberOfKeys: 2, lua: PUT_TOKEN.lua },
  // the number of keys comes first in each call
  tfaFindUsers: { lua: FIND_USERS.lua },
  tfaListTokens: { numberOfKeys: 2, lua: LIST_TOKENS.lua },
};

/**
 * The embedded 2FA platform's state in Redis, every key under `<prefix>:tfa:`. Namespaces
 * (`user:`, `tokens-of:` …) keep an id containing a colon from colliding with another key.
 */
export class LocalPlatformStore {
  private readonly root: string;
  /** the connection with the scripts defined on it: sent by hash (EVALSHA), not as text on every call */
  private readonly r: Redis & PlatformCommands;
  /** `<root>:user:`, the start of every user key, for the scripts that derive them */
  private readonly userKeyPrefix: string;
  /** `<root>:token:` */
  private readonly tokenKeyPrefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** authentications kept per user, newest first */
    private readonly authLogSize = 100,
  ) {
    this.root = `${prefix}:tfa`;
    // Each command only if missing: a connection shared with an instance that defined fewer still gets every one.
    for (const [name, definition] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, definition);
    this.r = redis as Redis & PlatformCommands;
    // ioredis puts a connection's keyPrefix on KEYS only: the keys a script derives need it in the prefix it is given
    const derivedRoot = `${redis.options.keyPrefix ?? ''}${this.root}`;
    this.userKeyPrefix = `${derivedRoot}:user:`;
    this.tokenKeyPrefix = `${derivedRoot}:token:`;
  }

  private userKey(id: string): string {
    return `${this.root}:user:${id}`;
  }
  private indexKey(field: UserField, value: string): string {
    return `${this.root}:by-${field}:${normalise(value)}`;
  }
  private groupsOfKey(id: string): string {
    return `${this.root}:groups-of:${id}`;
  }
  private tokensOfKey(id: string): string {
    return `${this.root}:tokens-of:${id}`;
  }
  private authKey(id: string): string {
    return `${this.root}:auth-of:${id}`;
  }
  private changeLogKey(serial: string): string {
    return `${this.root}:changes-of:${serial}`;
  }
  private tokenKey(serial: string): string {
    return `${this.root}:token:${serial}`;
  }
  private get groupsKey(): string {
    return `${this.root}:groups`;
  }

  /** Loads a seed. Safe to run at every start: users, groups and memberships are merged in, tokens already stored are kept. */
  async seed(data: Seed, options: SeedOptions = {}): Promise<void> {
    if (options.replace) await this.clear();
    for (const user of data.users) await this.putUser(user);
    if (data.groups.length > 0) await this.redis.sadd(this.groupsKey, ...data.groups);
    for (const m of data.memberships) await this.redis.sadd(this.groupsOfKey(m.userId), m.group);
    for (const t of data.tokens) {
      const fields = ['serial', t.serial, 'userId', t.userId, 'kind', t.kind, 'secret', t.secret, 'counter', String(t.counter), 'state', t.state, 'digits', String(t.digits), 'failed', '0'];
      await this.r.tfaPutToken(this.tokenKey(t.serial), this.tokensOfKey(t.userId), options.replace ? '1' : '0', t.serial, ...fields);
    }
  }

  private async putUser(user: Seed['users'][number]): Promise<void> {
    const previous = await this.getUser(user.id);
    const tx = this.redis.multi();
    if (previous) for (const field of USER_FIELDS) if (previous[field]) tx.srem(this.indexKey(field, previous[field]), user.id);
    tx.del(this.userKey(user.id));
    tx.hset(this.userKey(user.id), { id: user.id, userName: user.userName, firstName: user.firstName, lastName: user.lastName, ...(user.email ? { email: user.email } : {}) });
    for (const field of USER_FIELDS) {
      const value = user[field];
      if (value) tx.sadd(this.indexKey(field, value), user.id);
    }
    await tx.exec();
  }

  /** Deletes every key of this platform under the prefix. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.root)}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== '0');
  }

  async getUser(id: string): Promise<PlatformUser | undefined> {
    const hash = await this.redis.hgetall(this.userKey(id));
    if (!hash.id) return undefined;
    return PlatformUserSchema.parse(hash);
  }

  /** ids of the users whose `field` equals `value`, ignoring case and surrounding spaces */
  async findUserIds(field: UserField, value: string): Promise<string[]> {
    return this.redis.smembers(this.indexKey(field, value));
  }

  /** the users whose every field given equals its value (ignoring case and surrounding spaces), by id, in one round trip */
  async findUsers(fields: readonly (readonly [UserField, string])[]): Promise<PlatformUser[]> {
    if (fields.length === 0) return [];
    const indexKeys = fields.map(([field, value]) => this.indexKey(field, value));
    const found = HashesReplySchema.parse(await this.r.tfaFindUsers(indexKeys.length, ...indexKeys, this.userKeyPrefix));
    return found.sort(byMember).flatMap(([, hash]) => (hash.id ? [PlatformUserSchema.parse(hash)] : []));
  }

  async groupExists(group: string): Promise<boolean> {
    return (await this.redis.sismember(this.groupsKey, group)) === 1;
  }

  async getGroups(userId: string): Promise<string[]> {
    return (await this.redis.smembers(this.groupsOfKey(userId))).sort();
  }

  async addMembership(userId: string, group: string): Promise<void> {
    await this.redis.sadd(this.groupsOfKey(userId), group);
  }

  async getToken(serial: string): Promise<StoredToken | undefined> {
    const hash = await this.redis.hgetall(this.tokenKey(serial));
    if (!hash.serial) return undefined;
    return StoredTokenSchema.parse(hash);
  }

  /** the user's tokens by serial, in one round trip, whether or not the user still exists */
  async listTokens(userId: string): Promise<StoredToken[]> {
    return (await this.readTokens(userId, false)).tokens;
  }

  /** the user's tokens by serial, read with the user in one round trip; undefined when there is no such user */
  async listTokensOfUser(userId: string): Promise<StoredToken[] | undefined> {
    const { user, tokens } = await this.readTokens(userId, true);
    return user ? tokens : undefined;
  }

  private async readTokens(userId: string, withUser: boolean): Promise<{ user: PlatformUser | undefined; tokens: StoredToken[] }> {
    const reply = await this.r.tfaListTokens(this.userKey(userId), this.tokensOfKey(userId), this.tokenKeyPrefix, withUser ? '1' : '0');
    const [userHash, found] = TokensReplySchema.parse(reply);
    // the same checks as getUser and getToken
    const user = userHash.id ? PlatformUserSchema.parse(userHash) : undefined;
    const tokens = found
      .sort(byMember)
      .flatMap(([, hash]) => (hash.serial ? [StoredTokenSchema.parse(hash)] : []))
      .filter((t) => t.userId === userId);
    return { user, tokens };
  }

  /** @returns false when the token no longer exists */
  async setChallenge(serial: string, challenge: string): Promise<boolean> {
    return (await this.r.tfaUpdateExisting(this.tokenKey(serial), 'set', 'challenge', challenge)) === 1;
  }

  async recordFailure(serial: string): Promise<void> {
    await this.r.tfaUpdateExisting(this.tokenKey(serial), 'incr', 'failed');
  }

  /** Moves the counter past codes a search found, if nobody moved it since the search read it. Resets the failed count. */
  async advanceCounter(serial: string, request: AdvanceRequest): Promise<AdvanceResult> {
    const result = await this.r.tfaAdvance(
      this.tokenKey(serial),
      String(request.expectedCounter),
      String(request.newCounter),
      request.challenge ?? '',
    );
    return z.enum(['ok', 'moved', 'not_active', 'gone']).parse(result);
  }

  async appendAuth(userId: string, record: AuthRecord): Promise<void> {
    const key = this.authKey(userId);
    // Not a MULTI: a capped log needs no atomicity, and both commands leave in one write when the connection pipelines.
    await Promise.all([this.redis.lpush(key, JSON.stringify(record)), this.redis.ltrim(key, 0, this.authLogSize - 1)]);
  }

  /** The token's change log, as the console's "Change Log" shows it: every resync, newest first, capped. */
  async appendChange(serial: string, change: TokenChange): Promise<void> {
    const key = this.changeLogKey(serial);
    await Promise.all([this.redis.lpush(key, JSON.stringify(change)), this.redis.ltrim(key, 0, this.authLogSize - 1)]);
  }

  async changeLog(serial: string): Promise<TokenChange[]> {
    return (await this.redis.lrange(this.changeLogKey(serial), 0, -1)).map((entry) => TokenChangeSchema.parse(JSON.parse(entry)));
  }

  /** authentications at or after `since`, newest first */
  async authSince(userId: string, since: number): Promise<AuthRecord[]> {
    const raw = await this.redis.lrange(this.authKey(userId), 0, -1);
    return raw
      .map((entry) => AuthRecordSchema.parse(JSON.parse(entry)))
      .filter((r) => r.at >= since)
      .sort((a, b) => b.at - a.at);
  }
}

/** `requestId`: the caller's id of the resync (see ResyncRequest), when it gave one */
export const TokenChangeSchema = z.object({ at: z.number(), action: z.enum(['resync']), fromCounter: z.number(), toCounter: z.number(), requestId: z.string().optional() });
export type TokenChange = z.infer<typeof TokenChangeSchema>;
