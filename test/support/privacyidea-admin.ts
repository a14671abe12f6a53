import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { privacyIdeaPeer, type PrivacyIdeaPeer } from './privacyidea-peer.js';

/**
 * Sets up what a test needs on the real privacyIDEA of the run, through its REST API as an administrator would:
 * a realm of its own (an editable SQL resolver, the bot's seeded rights copied to it), users in it (POST /user/),
 * tokens with known secrets at chosen server counters (the OATH CSV import, POST /token/load: unlike POST
 * /token/init it sets the counter, and it leaves no resync in the audit log), group attributes as the bot sets them.
 *
 * Isolation: every realm, user and token a test makes has a fresh name (freshName), so tests never share state;
 * nothing seeded (realm helpdesk, its resolver, users, tokens, policies) is changed.
 */

const execFileAsync = promisify(execFile);

/** the peer's Python (start.sh runs privacyIDEA with it): its stdlib sqlite3 makes a user table for a new resolver */
const PYTHON = '/usr/bin/python3';
/** the user table of seed.py, so every resolver a test makes maps like the seeded one */
const USER_TABLE = 'create table users (id integer primary key, username text unique, givenname text, surname text, email text, password text)';
const USER_MAP = JSON.stringify({ userid: 'id', username: 'username', givenname: 'givenname', surname: 'surname', email: 'email', password: 'password' });

const EnvelopeSchema = z.object({
  result: z.object({ status: z.boolean(), value: z.unknown().optional(), error: z.object({ code: z.number().optional(), message: z.string() }).optional() }),
});

const TokenSchema = z.object({
  serial: z.string(),
  tokentype: z.string(),
  count: z.number(),
  failcount: z.number(),
  active: z.boolean(),
  locked: z.boolean(),
  revoked: z.boolean(),
  username: z.string(),
});
export type AdminTokenView = z.infer<typeof TokenSchema>;

const AuditEntrySchema = z.looseObject({ action: z.string(), success: z.union([z.number(), z.boolean()]), serial: z.string().nullable().optional(), user: z.string().nullable().optional() });
export type AdminAuditEntry = z.infer<typeof AuditEntrySchema>;

export class PrivacyIdeaAdminError extends Error {
  override readonly name = 'PrivacyIdeaAdminError';
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`privacyIDEA admin API: ${what}: ${reason}`);
  }
}

export interface NewUser {
  username: string;
  givenname: string;
  surname: string;
  email: string;
}

/** One line of an OATH CSV (version 2) import: a HOTP token at a server counter, or an OCRA token. */
export type ImportedToken =
  | { serial: string; user: string; secretHex: string; type: 'hotp'; digits: 6 | 8; counter: number }
  | { serial: string; user: string; secretHex: string; type: 'ocra'; ocraSuite: string };

/** A short random suffix in lower-case letters (they also make valid surnames and user names). */
export function freshName(prefix: string): string {
  const letters = [...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${prefix}${letters}`;
}

/** one login per test file and peer: /auth costs about a second on the peer (argon2 password hashes) */
const logins = new Map<string, Promise<PrivacyIdeaAdmin>>();

export class PrivacyIdeaAdmin {
  private constructor(
    readonly peer: PrivacyIdeaPeer,
    private readonly adminAuth: string,
    private readonly botAuth: string,
  ) {}

  /** Logs in as the seeded super admin (`admin`) and as the bot (`twofa-desk`, for what only it may do), once per file. */
  static login(peer: PrivacyIdeaPeer = privacyIdeaPeer()): Promise<PrivacyIdeaAdmin> {
    let login = logins.get(peer.url);
    if (!login) {
      login = PrivacyIdeaAdmin.loginAfresh(peer);
      logins.set(peer.url, login);
      login.catch(() => logins.delete(peer.url));
    }
    return login;
  }

  private static async loginAfresh(peer: PrivacyIdeaPeer): Promise<PrivacyIdeaAdmin> {
    const superAdmin = peer.seed.admins.find((a) => a.actions === '*');
    const bot = peer.seed.admins.find((a) => a.username === peer.env.PRIVACYIDEA_ADMIN_USER);
    if (!superAdmin || !bot) throw new PrivacyIdeaAdminError('log in', 'seed.json lists no super admin or no bot admin');
    const [adminAuth, botAuth] = await Promise.all([authToken(peer.url, superAdmin.username, superAdmin.password), authToken(peer.url, bot.username, bot.password)]);
    return new PrivacyIdeaAdmin(peer, adminAuth, botAuth);
  }

  /**
   * A new realm with its own editable SQL resolver (a new SQLite file beside the seeded users.sqlite), which the
   * bot may manage with its seeded actions: for tests that need user names the seeded realm already has.
   */
  async createRealm(realm: string): Promise<{ realm: string; resolver: string }> {
    const resolver = `${realm}-users`;
    const database = join(this.peer.workDir, 'etc', `${resolver}.sqlite`);
    try {
      await execFileAsync(PYTHON, ['-c', `import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()`, database, USER_TABLE]);
    } catch (err) {
      throw new PrivacyIdeaAdminError(`create the user table ${database}`, String(err));
    }
    await this.call('POST', `/resolver/${resolver}`, { type: 'sqlresolver', Driver: 'sqlite', Server: '', Database: database, Table: 'users', Limit: '500', Editable: '1', Map: USER_MAP });
    await this.call('POST', `/realm/${realm}`, { resolvers: resolver });
    const bot = this.peer.seed.admins.find((a) => a.username === this.peer.env.PRIVACYIDEA_ADMIN_USER);
    await this.call('POST', `/policy/${realm}-bot`, { scope: 'admin', adminuser: bot?.username, realm, action: bot?.actions, active: true });
    return { realm, resolver };
  }

  async deleteRealm(realm: { realm: string; resolver: string }): Promise<void> {
    await this.call('DELETE', `/policy/${realm.realm}-bot`);
    await this.call('DELETE', `/realm/${realm.realm}`);
    await this.call('DELETE', `/resolver/${realm.resolver}`);
  }

  async addUser(resolver: string, user: NewUser): Promise<void> {
    await this.call('POST', '/user/', { user: user.username, resolver, givenname: user.givenname, surname: user.surname, email: user.email, password: randomBytes(12).toString('hex') });
  }

  /** Sets a custom user attribute as the bot: the super admin's action `*` makes POST /user/attribute answer 500 (peer quirk). */
  async setAttribute(username: string, realm: string, key: string, value: string): Promise<void> {
    await this.call('POST', '/user/attribute', { user: username, realm, key, value }, this.botAuth);
  }

  async attribute(username: string, realm: string, key: string): Promise<string | null> {
    return z.string().nullable().parse(await this.call('GET', '/user/attribute', { user: username, realm, key }, this.botAuth));
  }

  /** Imports tokens from an OATH CSV (version 2: user, resolver, realm, then the token), assigned to their users. */
  async importTokens(resolver: string, realm: string, tokens: ImportedToken[]): Promise<void> {
    const lines = tokens.map((t) =>
      [t.user, resolver, realm, t.serial, t.secretHex, ...(t.type === 'hotp' ? ['hotp', String(t.digits), String(t.counter)] : ['ocra', t.ocraSuite])].join(', '),
    );
    const form = new FormData();
    form.set('type', 'oathcsv');
    form.set('file', new Blob([`# version: 2\n${lines.join('\n')}\n`], { type: 'text/csv' }), 'tokens.csv');
    const result = z.object({ n_imported: z.number() }).parse(await this.call('POST', '/token/load/tokens.csv', form));
    if (result.n_imported !== tokens.length) throw new PrivacyIdeaAdminError('import tokens', `imported ${result.n_imported} of ${tokens.length}`);
  }

  async token(serial: string): Promise<AdminTokenView | undefined> {
    const page = z.object({ tokens: z.array(TokenSchema) }).parse(await this.call('GET', '/token/', { serial }));
    return page.tokens.find((t) => t.serial === serial);
  }

  async setTokenState(serial: string, state: 'disabled' | 'revoked'): Promise<void> {
    if (state === 'disabled') await this.call('POST', '/token/disable', { serial });
    // privacyIDEA's revoke also locks and disables; it has no separate "lock" call.
    else await this.call('POST', '/token/revoke', { serial });
  }

  async deleteToken(serial: string): Promise<void> {
    await this.call('DELETE', `/token/${encodeURIComponent(serial)}`);
  }

  /** Deletes those of the serials the server holds (a peer kept across runs may hold them from an earlier run). */
  async deleteTokensIfPresent(serials: string[]): Promise<void> {
    const wanted = new Set(serials);
    const present: string[] = [];
    for (let page = 1; ; page++) {
      const result = z.object({ tokens: z.array(TokenSchema), next: z.number().nullable() }).parse(await this.call('GET', '/token/', { page: String(page), pagesize: '200' }));
      present.push(...result.tokens.map((t) => t.serial).filter((serial) => wanted.has(serial)));
      if (result.next === null) break;
    }
    for (const serial of present) await this.deleteToken(serial);
  }

  /** A login as the user's application makes it: POST /validate/check; true when accepted. */
  async validate(user: string, realm: string, pass: string): Promise<boolean> {
    const res = await fetch(`${this.peer.url}/validate/check`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, realm, pass }) });
    const body = EnvelopeSchema.parse(await res.json());
    return body.result.value === true;
  }

  async audit(params: Record<string, string>): Promise<AdminAuditEntry[]> {
    const page = z.object({ auditdata: z.array(AuditEntrySchema) }).parse(await this.call('GET', '/audit/', { page_size: '200', ...params }));
    return page.auditdata;
  }

  /** One admin API call; GETs carry no Content-Type (privacyIDEA answers a GET with a JSON content type and no body with an error). */
  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, data?: Record<string, unknown> | FormData, auth = this.adminAuth): Promise<unknown> {
    const url = new URL(path, this.peer.url);
    const init: RequestInit = { method, headers: { Authorization: auth } };
    if (method === 'GET' && data && !(data instanceof FormData)) {
      for (const [k, v] of Object.entries(data)) url.searchParams.set(k, String(v));
    } else if (data instanceof FormData) {
      init.body = data;
    } else if (data) {
      init.body = JSON.stringify(data);
      init.headers = { Authorization: auth, 'Content-Type': 'application/json' };
    }
    const res = await fetch(url, init);
    const text = await res.text();
    const parsed = EnvelopeSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new PrivacyIdeaAdminError(`${method} ${path}`, `HTTP ${res.status}: ${text.slice(0, 300)}`);
    if (!parsed.data.result.status) throw new PrivacyIdeaAdminError(`${method} ${path}`, parsed.data.result.error?.message ?? `HTTP ${res.status}`);
    return parsed.data.result.value;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function authToken(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = z.object({ result: z.object({ value: z.object({ token: z.string() }) }) }).safeParse(await res.json());
  if (!body.success) throw new PrivacyIdeaAdminError(`log in as ${username}`, `HTTP ${res.status}`);
  return body.data.result.value.token;
}
