import { createHmac, hkdfSync } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PrivacyIdeaCredentials } from './config.js';

/** `sent`: no answer yet (or it was lost); `ok` / `refused`: what privacyIDEA answered. */
export type SentState = 'sent' | 'ok' | 'refused';

const RecordSchema = z.object({ at: z.number(), state: z.enum(['sent', 'ok', 'refused']) });
export type SentRecord = z.infer<typeof RecordSchema>;

export interface ResyncMemoOptions {
  redis: Redis;
  /** REDIS_PREFIX */
  prefix: string;
  /** the account the bot acts as (URL, realm, user): one memo per account */
  account: string;
  /** the privacyIDEA credential: the HMAC key is derived from it and never stored */
  credentials: PrivacyIdeaCredentials;
  /** how long a resync is remembered */
  ttlMs: number;
  now: () => number;
}

/**
 * Which codes this adapter already sent to POST /token/resync for a token, for a few minutes, so that a refusal of
 * the very same codes (a retry after a lost answer) can be told from a fresh refusal (wrong codes): privacyIDEA
 * answers both with `false`. Shared by every worker through Redis.
 *
 * The codes are never stored: the key is HMAC-SHA256 over serial and codes with a key derived (HKDF) from the
 * privacyIDEA admin password or API token, which lives only in the workers' environment. A plain hash would not do:
 * two 6-digit codes are 10^12 candidates, a search a GPU finishes in hours; without the HMAC key there is nothing to
 * search with, and whoever has the key holds the admin credential, which can do far more than replay codes that
 * privacyIDEA already consumed. Each record is `{at, state}` and expires after `ttlMs`.
 */
export class ResyncMemo {
  private readonly key: Buffer;
  private readonly base: string;

  constructor(private readonly o: ResyncMemoOptions) {
    const secret = o.credentials.kind === 'token' ? o.credentials.token : `${o.credentials.username}\0${o.credentials.password}`;
    this.key = Buffer.from(hkdfSync('sha256', secret, o.account, 'twofa-desk privacyidea resync memo v1', 32));
    this.base = `${o.prefix}:pi-resync-sent`;
  }

  /** Records that these codes are being sent now; answers what was recorded for the same codes before, if anything. */
  async remember(serial: string, code1: string, code2: string): Promise<{ id: string; at: number; before: SentRecord | undefined }> {
    const id = `${this.base}:${createHmac('sha256', this.key).update(`${serial}\0${code1}\0${code2}`).digest('hex')}`;
    const fresh: SentRecord = { at: this.o.now(), state: 'sent' };
    const res = await this.o.redis.multi().get(id).set(id, JSON.stringify(fresh), 'PX', this.o.ttlMs, 'NX').exec();
    const raw = res?.[0]?.[1];
    const parsed = typeof raw === 'string' ? RecordSchema.safeParse(JSON.parse(raw)) : undefined;
    const before = parsed?.success ? parsed.data : undefined;
    return { id, at: before?.at ?? fresh.at, before };
  }

  /** Stores privacyIDEA's answer to the first sending (the record keeps its time and expiry). */
  async settle(id: string, state: Exclude<SentState, 'sent'>, at: number): Promise<void> {
    await this.o.redis.set(id, JSON.stringify({ at, state } satisfies SentRecord), 'KEEPTTL', 'XX');
  }
}
