import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { generate, type HotpDigits } from '../../integrations/twofa/local/hotp.js';
import type { PrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';

/**
 * A fake privacyIDEA server built from the shapes in privacyIDEA's own code and docstrings, and behaving as the real
 * 3.12.2 does where test/integration/twofa.privacyidea.real.*.test.ts showed it: /auth with JWTs that expire and the
 * admin's rights, PI-Authorization, the {result: {status, value | error}} envelope, /user/, custom user attributes,
 * /token/ pages (400 ERR904 for a realm without a user; an empty list, not 403, without `tokenlist`, with the allowed
 * realms in the audit `info`), /token/resync with the real HOTP search of lib/tokens/hotptoken.py (the first counter
 * in [count, count + sync_window) giving otp1, then otp2 at the next one; the fail counter reset only with
 * DefaultResetFailCount and below maxfail), /token/reset, /validate/check with the fail counter ("Failcounter
 * exceeded") and /audit/. Real HTTP on 127.0.0.1; state in memory.
 */

export interface FakePiUser {
  username: string;
  userid?: string;
  givenname?: string;
  surname?: string;
  email?: string;
}

export interface FakePiToken {
  serial: string;
  tokentype: string;
  /** owner's username (in the fake's realm); none: unassigned */
  user?: string;
  /** base32 */
  secret: string;
  count: number;
  otplen: HotpDigits;
  active?: boolean;
  revoked?: boolean;
  locked?: boolean;
  failcount?: number;
  maxfail?: number;
  sync_window?: number;
}

export interface FakeAuditEntry {
  date: string;
  action: string;
  success: number;
  serial: string;
  user: string;
  realm: string;
  info?: string;
}

/**
 * One injected failure: an HTTP status (with Retry-After), a reply after `delayMs`, a connection dropped before
 * the request is handled (`drop`), or one dropped after it was handled, so the change is made but its answer
 * is lost (`dropResponse`).
 */
export type Fault = { status: number; retryAfter?: string } | { delayMs: number } | { drop: true } | { dropResponse: true };

export interface FaultRule {
  /** requests whose path contains this; none: every request */
  path?: string;
  times: number;
  fault: Fault;
}

/** Injected failures for a fake server (also used by the fake STA). */
export class Faults {
  private readonly rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** the fault for this request, counting it down, or undefined */
  take(path: string): Fault | undefined {
    const rule = this.rules.find((r) => r.times > 0 && (r.path === undefined || path.includes(r.path)));
    if (!rule) return undefined;
    rule.times--;
    return rule.fault;
  }

  /** as a fastify onRequest hook: answers the fault, or lets the request through */
  install(app: FastifyInstance, body: (status: number) => unknown): void {
    const answerLost = new WeakSet<object>();
    app.addHook('onSend', async (req, _reply, payload) => {
      if (answerLost.has(req.raw)) req.raw.socket.destroy();
      return payload;
    });
    app.addHook('onRequest', async (req, reply) => {
      const fault = this.take(req.url);
      if (!fault) return;
      if ('dropResponse' in fault) {
        answerLost.add(req.raw);
        return;
      }
      if ('drop' in fault) {
        req.raw.socket.destroy();
        return reply;
      }
      if ('delayMs' in fault) {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        return;
      }
      if (fault.retryAfter !== undefined) void reply.header('retry-after', fault.retryAfter);
      return reply.code(fault.status).send(body(fault.status));
    });
  }
}

export interface FakePrivacyIdeaOptions {
  realm: string;
  admins?: Record<string, string>;
  /** a static admin API token (pi-manage api createtoken) accepted in PI-Authorization */
  apiToken?: string;
  /** validity of issued JWTs (default 3600 s) */
  jwtValiditySeconds?: number;
  /** policy rights of the admin; missing ones answer 403, a missing `tokenlist` an empty list (default: the seeded bot's, no `reset`) */
  rights?: string[];
  /** privacyIDEA's system setting DefaultResetFailCount (unset on a fresh server, as on the real test peer) */
  defaultResetFailCount?: boolean;
  users?: FakePiUser[];
  tokens?: FakePiToken[];
  /** custom attributes per username */
  attributes?: Record<string, Record<string, string>>;
  now?: () => number;
}

const ALL_RIGHTS = ['userlist', 'tokenlist', 'resync', 'auditlog', 'set_custom_user_attributes'];

export interface FakePrivacyIdea {
  url: string;
  users: FakePiUser[];
  tokens: Map<string, Required<Omit<FakePiToken, 'user'>> & { user?: string }>;
  attributes: Map<string, Map<string, string>>;
  audit: FakeAuditEntry[];
  faults: Faults;
  rights: Set<string>;
  /** requests seen, "METHOD /path" */
  requests: string[];
  /** the PI-Authorization values seen, in order */
  authHeaders: string[];
  /** JWTs issued by /auth */
  issued: string[];
  /** invalidate every JWT issued so far (a server restart with a new secret) */
  revokeJwts(): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;

function ok(value: unknown) {
  return { id: 1, jsonrpc: '2.0', result: { status: true, value }, version: 'privacyIDEA fake', time: Date.now() / 1000 };
}

function fail(code: number, message: string) {
  return { id: 1, jsonrpc: '2.0', result: { status: false, error: { code, message } }, version: 'privacyIDEA fake' };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(value);
}

/** a JWT-shaped token with an exp claim (unsigned: only the fake reads it) */
function fakeJwt(username: string, expSeconds: number): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ username, realm: '', role: 'admin', exp: expSeconds, nonce: randomBytes(4).toString('hex') })}.sig`;
}

function isoNaive(ms: number): string {
  // privacyIDEA writes audit dates with datetime.isoformat(): no zone, microseconds.
  return new Date(ms).toISOString().replace('Z', '000');
}

export async function startFakePrivacyIdea(options: FakePrivacyIdeaOptions): Promise<FakePrivacyIdea> {
  const now = options.now ?? Date.now;
  const realm = options.realm;
  const admins = options.admins ?? {};
  const validity = options.jwtValiditySeconds ?? 3600;
  const users = [...(options.users ?? [])];
  const tokens: FakePrivacyIdea['tokens'] = new Map(
    (options.tokens ?? []).map((t) => [
      t.serial,
      { active: true, revoked: false, locked: false, failcount: 0, maxfail: 10, sync_window: 1000, ...t },
    ]),
  );
  const attributes = new Map(Object.entries(options.attributes ?? {}).map(([u, a]) => [u, new Map(Object.entries(a))]));
  const audit: FakeAuditEntry[] = [];
  const faults = new Faults();
  const rights = new Set(options.rights ?? ALL_RIGHTS);
  const requests: string[] = [];
  const authHeaders: string[] = [];
  const issued: string[] = [];
  const valid = new Map<string, number>();

  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (req) => {
    requests.push(`${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
  faults.install(app, (status) => (status >= 500 ? 'Internal Server Error' : fail(-status, 'injected')));

  /** 401 unless PI-Authorization carries a live JWT or the API token; 403 unless the admin has `right` */
  function guard(req: FastifyRequest, reply: FastifyReply, right: string | undefined): boolean {
    const header = req.headers['pi-authorization'] ?? req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    authHeaders.push(value ?? '');
    const exp = value !== undefined ? valid.get(value) : undefined;
    const live = (value !== undefined && value === options.apiToken) || (exp !== undefined && now() < exp * 1000);
    if (!live) {
      // lib/error.py: 4033 no header, 4305 an expired JWT, 4304 one the server cannot decode
      const [code, message] = value === undefined ? [4033, 'Missing Authorization header.'] : exp !== undefined ? [4305, 'Your token has expired'] : [4304, 'Error decoding the Authorization token'];
      void reply.code(401).send(fail(code, `Authentication failure. ${message}`));
      return false;
    }
    if (right !== undefined && !rights.has(right)) {
      void reply.code(403).send(fail(303, `Admin actions are defined, but the action ${right} is not allowed!`));
      return false;
    }
    return true;
  }

  function userExists(name: string | undefined): boolean {
    return name !== undefined && users.some((u) => u.username === name);
  }

  function tokenDict(t: FakePrivacyIdea['tokens'] extends Map<string, infer V> ? V : never) {
    return {
      id: 1,
      description: '',
      serial: t.serial,
      tokentype: t.tokentype,
      info: {},
      resolver: t.user ? 'fake-resolver' : '',
      user_id: t.user ?? '',
      otplen: t.otplen,
      maxfail: t.maxfail,
      active: t.active,
      revoked: t.revoked,
      locked: t.locked,
      failcount: t.failcount,
      count: t.count,
      count_window: 10,
      sync_window: t.sync_window,
      rollout_state: '',
      realms: t.user ? [realm] : [],
      tokengroup: [],
      username: t.user ?? '',
      user_realm: t.user ? realm : '',
    };
  }

  app.post('/auth', async (req, reply) => {
    const body = (req.body ?? {}) as Body;
    const username = text(body.username);
    const password = text(body.password);
    if (username === undefined || password === undefined || admins[username] !== password) {
      return reply.code(401).send(fail(4031, 'Authentication failure. Wrong credentials'));
    }
    const exp = Math.floor(now() / 1000) + validity;
    const token = fakeJwt(username, exp);
    valid.set(token, exp);
    issued.push(token);
    return ok({ token, role: 'admin', username, realm: '', log_level: 20, rights: [...rights], menus: [], auth: true });
  });

  app.get('/user/', async (req, reply) => {
    if (!guard(req, reply, 'userlist')) return reply;
    const q = req.query as Body;
    if (text(q.realm) !== undefined && text(q.realm) !== realm) return ok([]);
    const fields: Array<[keyof FakePiUser, string | undefined]> = [
      ['username', text(q.username) ?? text(q.user)],
      ['email', text(q.email)],
      ['surname', text(q.surname)],
    ];
    const found = users.filter((u) => fields.every(([f, v]) => v === undefined || glob(v, u[f] ?? '')));
    return ok(found.map((u) => ({ userid: u.userid ?? u.username, resolver: 'fake-resolver', mobile: '', phone: '', description: '', ...u })));
  });

  app.get('/user/attribute', async (req, reply) => {
    if (!guard(req, reply, 'userlist')) return reply;
    const q = req.query as Body;
    const user = text(q.user);
    if (!userExists(user) || text(q.realm) !== realm) return reply.code(400).send(fail(904, `User <${user ?? ''}> does not exist.`));
    const attrs = attributes.get(user ?? '') ?? new Map<string, string>();
    const key = text(q.key);
    return ok(key !== undefined ? attrs.get(key) ?? null : Object.fromEntries(attrs));
  });

  app.post('/user/attribute', async (req, reply) => {
    if (!guard(req, reply, 'set_custom_user_attributes')) return reply;
    const body = (req.body ?? {}) as Body;
    const user = text(body.user);
    const key = text(body.key);
    const value = text(body.value);
    if (!userExists(user) || text(body.realm) !== realm) return reply.code(400).send(fail(904, `User <${user ?? ''}> does not exist.`));
    if (key === undefined || value === undefined) return reply.code(400).send(fail(905, 'Missing parameter: key/value'));
    const attrs = attributes.get(user ?? '') ?? new Map<string, string>();
    attrs.set(key, value);
    attributes.set(user ?? '', attrs);
    return ok(attrs.size);
  });

  app.get('/token/', async (req, reply) => {
    if (!guard(req, reply, undefined)) return reply;
    const q = req.query as Body;
    const user = text(q.user);
    const serial = text(q.serial);
    // get_user_from_param: a realm without a user is a user that cannot be found (fixed in 3.13)
    if (user === undefined && text(q.realm) !== undefined) return reply.code(400).send(fail(904, 'ERR904: The user can not be found in any resolver in this realm!'));
    if (user !== undefined && !userExists(user)) return reply.code(400).send(fail(904, `User <${user}> does not exist.`));
    // check_admin_tokenlist: without the right the admin may list no realm, and the list is simply empty
    const allowed = rights.has('tokenlist');
    audit.push({ date: isoNaive(now()), action: 'GET /token/', success: 1, serial: serial ?? '', user: user ?? '', realm: user !== undefined ? realm : '', info: allowed ? 'realm: None' : 'realm: []' });
    const page = Number(text(q.page) ?? 1);
    const psize = Number(text(q.pagesize) ?? 15);
    const all = [...tokens.values()]
      .filter(() => allowed)
      .filter((t) => (user === undefined || t.user === user) && (serial === undefined || glob(serial, t.serial)))
      .filter((t) => text(q.tokenrealm) === undefined || (t.user !== undefined && text(q.tokenrealm) === realm))
      .sort((a, b) => a.serial.localeCompare(b.serial));
    const offset = (page - 1) * psize;
    return ok({
      tokens: all.slice(offset, offset + psize).map(tokenDict),
      prev: page > 1 ? page - 1 : null,
      next: offset + psize < all.length ? page + 1 : null,
      count: all.length,
    });
  });

  app.post('/token/resync', async (req, reply) => {
    if (!guard(req, reply, 'resync')) return reply;
    const body = (req.body ?? {}) as Body;
    const serial = text(body.serial);
    const otp1 = text(body.otp1);
    const otp2 = text(body.otp2);
    const token = serial !== undefined ? tokens.get(serial) : undefined;
    if (serial === undefined || !token) return reply.code(404).send(fail(601, 'The requested token could not be found.'));
    if (otp1 === undefined || otp2 === undefined) return reply.code(400).send(fail(905, "ERR905: Missing parameter: 'otp1'"));
    // hotptoken.resync: HmacOtp.checkOtp(otp1, syncWindow) then generate(counter + 1) == otp2
    let found = -1;
    for (let c = token.count; c < token.count + token.sync_window; c++) {
      if (generate(token.secret, c, token.otplen) === otp1) {
        found = c;
        break;
      }
    }
    // resync_api audits every call: action "POST /token/resync", the serial, and success (api/token.py)
    const audited = (success: boolean) => audit.push({ date: isoNaive(now()), action: 'POST /token/resync', success: success ? 1 : 0, serial, user: token.user ?? '', realm });
    if (found === -1 || generate(token.secret, found + 1, token.otplen) !== otp2) {
      audited(false);
      return ok(false);
    }
    // inc_otp_counter(counter + 1, reset=True): next expected counter after otp2; the fail counter is reset only
    // with DefaultResetFailCount and below maxfail (lib/tokenclass.py)
    token.count = found + 2;
    if (options.defaultResetFailCount === true && token.failcount < token.maxfail) token.failcount = 0;
    audited(true);
    return ok(true);
  });

  app.post('/token/reset', async (req, reply) => {
    if (!guard(req, reply, 'reset')) return reply;
    const serial = text(((req.body ?? {}) as Body).serial);
    const token = serial !== undefined ? tokens.get(serial) : undefined;
    if (!token) return reply.code(404).send(fail(601, 'The requested token could not be found.'));
    token.failcount = 0;
    audit.push({ date: isoNaive(now()), action: 'POST /token/reset', success: 1, serial: token.serial, user: '', realm: '' });
    return ok(1);
  });

  app.post('/validate/check', async (req) => {
    const body = (req.body ?? {}) as Body;
    const user = text(body.user) ?? '';
    const pass = text(body.pass) ?? '';
    let success = false;
    let serial = '';
    for (const token of tokens.values()) {
      if (token.user !== user || !token.active || token.revoked || token.locked) continue;
      serial = token.serial;
      let matched = false;
      for (let c = token.count; c < token.count + 10; c++) {
        if (generate(token.secret, c, token.otplen) === pass) {
          token.count = c + 1;
          matched = true;
          break;
        }
      }
      // check_failcount: a token at maxfail refuses even the right code ("Failcounter exceeded"), which is used up
      if (matched && token.failcount < token.maxfail) {
        token.failcount = 0;
        success = true;
        break;
      }
      if (token.failcount < token.maxfail) token.failcount++;
    }
    audit.push({ date: isoNaive(now()), action: 'POST /validate/check', success: success ? 1 : 0, serial, user, realm });
    return { ...ok(success), result: { status: true, value: success, authentication: success ? 'ACCEPT' : 'REJECT' } };
  });

  app.get('/audit/', async (req, reply) => {
    if (!guard(req, reply, 'auditlog')) return reply;
    const q = req.query as Body;
    const limit = text(q.timelimit);
    let since = Number.NEGATIVE_INFINITY;
    if (limit !== undefined) {
      const m = /^(\d+)([smhd])$/.exec(limit);
      if (!m) return reply.code(400).send(fail(905, `Unsupported timedelta '${limit}'`));
      const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
      since = now() - Number(m[1]) * unit;
    }
    const filters = (['user', 'realm', 'action', 'serial'] as const).map((f) => [f, text(q[f])] as const);
    const rows = audit
      .filter((e) => Date.parse(`${e.date}Z`) >= since)
      .filter((e) => filters.every(([f, v]) => v === undefined || glob(v, e[f])))
      .sort((a, b) => (text(q.sortorder) === 'asc' ? a.date.localeCompare(b.date) : b.date.localeCompare(a.date)));
    const page = Number(text(q.page) ?? 1);
    const size = Number(text(q.page_size) ?? 15);
    const offset = (page - 1) * size;
    return ok({
      auditdata: rows.slice(offset, offset + size).map((e, i) => ({ number: i + 1, sig_check: 'OK', missing_line: 'OK', token_type: 'hotp', ...e })),
      count: rows.length,
      current: page,
      next: offset + size < rows.length ? page + 1 : null,
      prev: page > 1 ? page - 1 : null,
    });
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    users,
    tokens,
    attributes,
    audit,
    faults,
    rights,
    requests,
    authHeaders,
    issued,
    revokeJwts: () => valid.clear(),
    close: () => app.close(),
  };
}

export const PI_REALM = 'staff';
export const PI_ALICE_SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';
export const PI_BOB_SECRET = 'AIDNYO2WRALLB7G56OAJBENN3FII44JE';
export const PI_ADMIN_PASSWORD = 'admin-password-not-a-real-one';

/** alice (HOTP OATH0001, group attribute "VPN Users"), bob (8-digit HOTP and a push token), two Smiths, a revoked token */
export function piSeed(): FakePrivacyIdeaOptions {
  return {
    realm: PI_REALM,
    admins: { helpdesk: PI_ADMIN_PASSWORD },
    users: [
      { username: 'alice', givenname: 'Alice', surname: 'Archer', email: 'alice.archer@example.com' },
      { username: 'bob', givenname: 'Bob', surname: 'Baker', email: 'bob.baker@example.com' },
      { username: 'john.smith', givenname: 'John', surname: 'Smith', email: 'john@example.org' },
      { username: 'jane.smith', givenname: 'Jane', surname: 'Smith' },
    ],
    tokens: [
      { serial: 'OATH0001', tokentype: 'hotp', user: 'alice', secret: PI_ALICE_SECRET, count: 10, otplen: 6 },
      { serial: 'OATH0002', tokentype: 'hotp', user: 'bob', secret: PI_BOB_SECRET, count: 42, otplen: 8 },
      { serial: 'PUSH0003', tokentype: 'push', user: 'bob', secret: PI_BOB_SECRET, count: 0, otplen: 6 },
      { serial: 'OATH0004', tokentype: 'hotp', user: 'jane.smith', secret: PI_BOB_SECRET, count: 0, otplen: 6, revoked: true, locked: true, active: false },
    ],
    attributes: { alice: { groups: 'VPN Users' } },
  };
}

/** an adapter config for the fake: password login, group attribute `groups`, short time-outs */
export function piConfig(url: string, over: Partial<PrivacyIdeaConfig> = {}): PrivacyIdeaConfig {
  return {
    url,
    realm: PI_REALM,
    credentials: { kind: 'password', username: 'helpdesk', password: PI_ADMIN_PASSWORD },
    groupAttribute: 'groups',
    timeoutMs: 500,
    retries: 2,
    guard: { rateLimit: 1000, rateWindowMs: 60_000, maxRateWaitMs: 1000, breakerFailures: 50, breakerCoolDownMs: 1000 },
    ...over,
  };
}

