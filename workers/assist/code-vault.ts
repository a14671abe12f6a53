import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { luaScript } from '../../integrations/shared/lua-script.js';
import { Keys } from '../store/keys.js';

/** What an agent needs to type two OTP codes into the STA console's Resync dialog. */
export interface HeldCodes {
  codes: string[];
  userName: string;
  serial: string;
  tokenType: string;
  consoleSteps: string;
  /** ticket key as shown to agents */
  ticket: string;
}

export type HeldDescription = Omit<HeldCodes, 'codes'> & { expiresAt: number };

export interface CodeVaultOptions {
  redis: Redis;
  /** REDIS_PREFIX */
  prefix: string;
  /** 32 bytes (see vaultKey) */
  key: Buffer;
  /** how long codes wait for an agent; default 600_000 (10 minutes) */
  ttlMs?: number;
  now?: () => number;
}

/** A link id as hold() makes them: 16 random bytes in base64url. The bounds leave room for longer ids later. */
export const LinkIdSchema = z
  .string()
  .min(22, 'a link id is at least 22 characters')
  .max(64, 'a link id is at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'a link id is base64url (A-Z, a-z, 0-9, - and _)');

export class VaultKeyInvalid extends Error {
  override readonly name = 'VaultKeyInvalid';
  readonly reason = 'the code vault needs a 32-byte key: derive it from ADMIN_TOKEN with vaultKey()';
  constructor() {
    super('the code vault needs a 32-byte key');
  }
}

const DEFAULT_TTL_MS = 600_000;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Codes, user and ticket are inside the ciphertext; the clear part only lets the page be described without it. */
const RecordSchema = z.object({
  v: z.literal(1),
  /** the workflow's ticket key, so that take() clears the ticket's index */
  tk: z.string(),
  ticket: z.string(),
  userName: z.string(),
  serial: z.string(),
  tokenType: z.string(),
  consoleSteps: z.string(),
  expiresAt: z.number(),
  iv: z.base64(),
  tag: z.base64(),
  ct: z.base64(),
});
type VaultRecord = z.infer<typeof RecordSchema>;

const HeldSchema = z.object({
  codes: z.array(z.string()),
  userName: z.string(),
  serial: z.string(),
  tokenType: z.string(),
  consoleSteps: z.string(),
  ticket: z.string(),
});

const FORGET = luaScript('lua/forget-taken-link.lua', import.meta.url);

interface VaultCommands {
  tdAssistForget(indexKey: string, linkId: string): Promise<number>;
}

/**
 * The one place resync codes may be kept: encrypted (AES-256-GCM, the link id as associated data, so a record
 * copied under another id does not open), for ten minutes, shown once, one hold per ticket.
 */
export class CodeVault {
  private readonly r: Redis & VaultCommands;
  private readonly keys: Keys;
  private readonly key: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(o: CodeVaultOptions) {
    if (o.key.length !== 32) throw new VaultKeyInvalid();
    const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > DEFAULT_TTL_MS) throw new RangeError(`ttlMs must be a whole number of ms in 1..${DEFAULT_TTL_MS}`);
    this.keys = new Keys(o.prefix);
    this.key = Buffer.from(o.key);
    this.ttlMs = ttlMs;
    this.now = o.now ?? Date.now;
    const r = o.redis as Redis & Partial<VaultCommands>;
    if (!r.tdAssistForget) o.redis.defineCommand('tdAssistForget', { numberOfKeys: 1, lua: FORGET.lua });
    this.r = o.redis as Redis & VaultCommands;
  }

  /** Encrypts and stores the codes; a hold for a ticket that already had one deletes the older. */
  async hold(tk: string, held: HeldCodes): Promise<{ linkId: string; expiresAt: number }> {
    const linkId = randomBytes(16).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(linkId, 'utf8'));
    const plain = Buffer.from(JSON.stringify(HeldSchema.parse(held)), 'utf8');
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    plain.fill(0);
    const record: VaultRecord = {
      v: 1,
      tk,
      ticket: held.ticket,
      userName: held.userName,
      serial: held.serial,
      tokenType: held.tokenType,
      consoleSteps: held.consoleSteps,
      expiresAt,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
    const results = await this.r
      .multi()
      .set(this.keys.assistCodes(linkId), JSON.stringify(record), 'PX', this.ttlMs)
      .set(this.keys.assistOfTicket(tk), linkId, 'PX', this.ttlMs, 'GET')
      .exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error('the code vault transaction was discarded');
    const previous = results[1]?.[1];
    if (typeof previous === 'string' && previous !== linkId) await this.r.del(this.keys.assistCodes(previous));
    return { linkId, expiresAt };
  }

  /** The codes, once: read and deleted in one step. Undefined when expired, already shown, or not decryptable. */
  async take(linkId: string): Promise<HeldCodes | undefined> {
    if (!LinkIdSchema.safeParse(linkId).success) return undefined;
    const record = parseRecord(await this.r.getdel(this.keys.assistCodes(linkId)));
    if (!record) return undefined;
    try {
      await this.r.tdAssistForget(this.keys.assistOfTicket(record.tk), linkId);
    } catch {
      // The codes are already taken: an index left behind names nothing and expires with them.
    }
    if (record.expiresAt <= this.now()) return undefined;
    return this.open(linkId, record);
  }

  /** What the codes are for, without revealing or consuming them. */
  async describe(linkId: string): Promise<HeldDescription | undefined> {
    if (!LinkIdSchema.safeParse(linkId).success) return undefined;
    const record = parseRecord(await this.r.get(this.keys.assistCodes(linkId)));
    if (!record || record.expiresAt <= this.now()) return undefined;
    const { ticket, userName, serial, tokenType, consoleSteps, expiresAt } = record;
    return { ticket, userName, serial, tokenType, consoleSteps, expiresAt };
  }

  /** The ticket moved on: whatever is held for it is deleted. */
  async drop(tk: string): Promise<void> {
    const linkId = await this.r.getdel(this.keys.assistOfTicket(tk));
    if (linkId) await this.r.del(this.keys.assistCodes(linkId));
  }

  private open(linkId: string, record: VaultRecord): HeldCodes | undefined {
    const iv = Buffer.from(record.iv, 'base64');
    const tag = Buffer.from(record.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(linkId, 'utf8'));
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(Buffer.from(record.ct, 'base64')), decipher.final()]);
    } catch {
      // another key (ADMIN_TOKEN changed) or a changed record: the codes are lost, never guessed at
      return undefined;
    }
    try {
      const held = HeldSchema.safeParse(JSON.parse(plain.toString('utf8')));
      return held.success ? held.data : undefined;
    } catch {
      return undefined;
    } finally {
      plain.fill(0);
    }
  }
}

function parseRecord(raw: string | null): VaultRecord | undefined {
  if (raw === null) return undefined;
  try {
    const record = RecordSchema.safeParse(JSON.parse(raw));
    return record.success ? record.data : undefined;
  } catch {
    return undefined;
  }
}

/** The vault's key, derived from ADMIN_TOKEN: changing the token makes codes already held unreadable. */
export function vaultKey(adminToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', adminToken, 'twofa-desk code vault', 'v1', 32));
}
