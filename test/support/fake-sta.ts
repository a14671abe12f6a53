import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { verify, type HotpDigits } from '../../integrations/twofa/local/hotp.js';
import { BSIDCA_NS, elements, escapeXml } from '../../integrations/twofa/safenet-sta/bsidca-client.js';
import type { StaConfig } from '../../integrations/twofa/safenet-sta/config.js';
import { Faults } from './fake-privacyidea.js';

/**
 * A fake SafeNet Trusted Access: the REST API under /api/v1/tenants/{tenantCode} with the `apikey` header,
 * `{page: {items}, links: {next}}` lists, users by user name, group membership, logs; and the BSIDCA SOAP
 * service at /bsidca/BSIDCA.asmx (Connect with a session cookie, GetTokensByOwner, GetTokens). Tokens have
 * real HOTP secrets so `login` writes the AUTHENTICATION logs a real login would. Real HTTP on 127.0.0.1.
 */

export interface FakeStaUser {
  id: string;
  userName: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

export interface FakeStaToken {
  serial: string;
  owner: string;
  /** BSIDCA type: MobilePASS, KT, … */
  type: string;
  state: string;
  secret: string;
  counter: number;
  digits: HotpDigits;
}

export interface FakeStaOptions {
  tenantCode: string;
  apiKey: string;
  users?: FakeStaUser[];
  groups?: Array<{ id: string; name: string }>;
  /** userName → group names */
  memberships?: Record<string, string[]>;
  tokens?: FakeStaToken[];
  operator?: { email: string; password: string };
  /** what Connect answers the right operator (default AUTH_SUCCESS); e.g. CHALLENGE for an operator with a token */
  connectResult?: string;
  /** list page size the server uses when asked for more (default 100) */
  maxPageSize?: number;
  now?: () => number;
}

export interface FakeStaLog {
  logVersion: string;
  category: string;
  timeStamp: string;
  id: string;
  context: { tenantId: string; principalId: string; originatingAddress: string };
  details: { type: string; credentialType?: string; actionText?: string; resultText?: string; serial?: string; state?: string };
}

export interface FakeSta {
  url: string;
  soapUrl: string;
  users: FakeStaUser[];
  groups: Array<{ id: string; name: string }>;
  /** user id → group ids */
  members: Map<string, Set<string>>;
  tokens: FakeStaToken[];
  logs: FakeStaLog[];
  faults: Faults;
  requests: string[];
  /** the `apikey` header values seen */
  apiKeys: string[];
  /** drop every BSIDCA session (as an expired ASP.NET session) */
  expireSessions(): void;
  /** a login by the user with a code, written to the logs as STA does (AUTH_SUCCESS or AUTH_FAILED) */
  login(userName: string, code: string): void;
  /** an AUTHENTICATION log entry, as STA writes one for a login through an auth node (RADIUS) */
  logAuthentication(userName: string, resultText: string, serial?: string, originatingAddress?: string): void;
  close(): Promise<void>;
}

export async function startFakeSta(options: FakeStaOptions): Promise<FakeSta> {
  const now = options.now ?? Date.now;
  const users = [...(options.users ?? [])];
  const groups = [...(options.groups ?? [])];
  const members = new Map<string, Set<string>>();
  for (const [userName, names] of Object.entries(options.memberships ?? {})) {
    const user = users.find((u) => u.userName === userName);
    if (!user) continue;
    members.set(user.id, new Set(names.map((n) => groups.find((g) => g.name === n)?.id ?? n)));
  }
  const tokens = [...(options.tokens ?? [])];
  const logs: FakeStaLog[] = [];
  const faults = new Faults();
  const requests: string[] = [];
  const apiKeys: string[] = [];
  const sessions = new Set<string>();
  const maxPageSize = options.maxPageSize ?? 100;
  const base = `/api/v1/tenants/${options.tenantCode}`;
  let address = '';

  const app = Fastify({ logger: false });
  app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req) => {
    requests.push(`${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
  faults.install(app, (status) => (status >= 500 ? 'Internal Server Error' : { error: 'injected' }));

  function authorized(req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply): boolean {
    const key = req.headers.apikey;
    apiKeys.push(typeof key === 'string' ? key : '');
    if (key !== options.apiKey || req.params.tenant !== options.tenantCode) {
      void reply.code(403).send({ message: 'Forbidden' });
      return false;
    }
    return true;
  }

  function page<T>(req: FastifyRequest, path: string, items: T[], extra: Record<string, string> = {}) {
    const q = req.query as Record<string, string | undefined>;
    const index = Number(q.pageIndex ?? 0);
    const size = Math.min(Number(q.pageSize ?? maxPageSize), maxPageSize);
    const slice = items.slice(index * size, index * size + size);
    const more = (index + 1) * size < items.length;
    const query = new URLSearchParams({ ...extra, pageIndex: String(index + 1), pageSize: String(size) });
    return {
      page: { items: slice, totalItems: items.length, pageSize: size, totalPages: Math.ceil(items.length / size) },
      links: { self: `${address}${path}`, ...(more ? { next: `${address}${path}?${query.toString()}` } : {}) },
    };
  }

  type P = { Params: { tenant: string; name: string } };

  app.get<P>('/api/v1/tenants/:tenant/authorized', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    return reply.code(200).send();
  });

  app.get<P>('/api/v1/tenants/:tenant/users', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    return page(req, `${base}/users`, users.map((u) => ({ schemaVersionNumber: '1.0', isSynchronized: false, ...u })));
  });

  app.get<P>('/api/v1/tenants/:tenant/users/:name', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    // isUid=true: the path is the object id; otherwise the user name.
    const byId = (req.query as Record<string, string | undefined>).isUid === 'true';
    const user = users.find((u) => (byId ? u.id : u.userName) === req.params.name);
    if (!user) return reply.code(404).send({ message: 'User not found' });
    return { schemaVersionNumber: '1.0', isSynchronized: false, ...user };
  });

  app.get<P>('/api/v1/tenants/:tenant/users/:name/groups', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    const user = users.find((u) => u.id === req.params.name);
    if (!user) return reply.code(404).send({ message: 'User not found' });
    const ids = members.get(user.id) ?? new Set<string>();
    return page(req, `${base}/users/${encodeURIComponent(user.id)}/groups`, groups.filter((g) => ids.has(g.id)).map((g) => ({ schemaVersionNumber: '1.0', description: '', isSynchronized: false, ...g })));
  });

  app.get<P>('/api/v1/tenants/:tenant/groups', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    return page(req, `${base}/groups`, groups.map((g) => ({ schemaVersionNumber: '1.0', description: '', isSynchronized: false, ...g })));
  });

  app.post<P>('/api/v1/tenants/:tenant/groups/:name/members', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    const group = groups.find((g) => g.id === req.params.name);
    const body = (req.body ?? {}) as { id?: string; type?: string };
    const user = users.find((u) => u.id === body.id);
    if (!group || !user || body.type !== 'User') return reply.code(404).send({ message: 'Not found' });
    const set = members.get(user.id) ?? new Set<string>();
    if (set.has(group.id)) return reply.code(409).send({ message: 'Already a member' });
    set.add(group.id);
    members.set(user.id, set);
    return reply.code(204).send();
  });

  app.get<P>('/api/v1/tenants/:tenant/logs', async (req, reply) => {
    if (!authorized(req, reply)) return reply;
    const q = req.query as Record<string, string | undefined>;
    const since = q.since !== undefined ? Date.parse(q.since) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(since)) return reply.code(400).send({ message: 'since must be yyyy-mm-ddTHH:mm:ss.fffZ' });
    const rows = logs.filter((l) => Date.parse(l.timeStamp) >= since);
    return { ...page(req, `${base}/logs`, rows, q.since !== undefined ? { since: q.since } : {}), itemType: 'LogEvent' };
  });

  function soap(reply: FastifyReply, operation: string, inner: string, cookie?: string) {
    if (cookie !== undefined) void reply.header('set-cookie', `ASP.NET_SessionId=${cookie}; path=/; HttpOnly; SameSite=Lax`);
    return reply
      .type('text/xml; charset=utf-8')
      .send(
        `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><${operation}Response xmlns="${BSIDCA_NS}">${inner}</${operation}Response></soap:Body></soap:Envelope>`,
      );
  }

  function fault(reply: FastifyReply, message: string) {
    return reply
      .code(500)
      .type('text/xml; charset=utf-8')
      .send(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`);
  }

  app.post('/bsidca/BSIDCA.asmx', async (req, reply) => {
    const action = String(req.headers.soapaction ?? '').replace(/"/g, '');
    const operation = action.startsWith(BSIDCA_NS) ? action.slice(BSIDCA_NS.length) : '';
    const body = typeof req.body === 'string' ? req.body : '';
    const arg = (name: string) => elements(body, name)[0];
    if (operation === 'Connect') {
      const accepted = options.operator !== undefined && arg('OperatorEmail') === options.operator.email && arg('OTP') === options.operator.password;
      if (!accepted) return soap(reply, 'Connect', '<ConnectResult>AUTH_FAILURE</ConnectResult><challenge />');
      if (options.connectResult !== undefined && options.connectResult !== 'AUTH_SUCCESS') {
        return soap(reply, 'Connect', `<ConnectResult>${options.connectResult}</ConnectResult><challenge>12345678</challenge>`);
      }
      const id = randomBytes(12).toString('hex');
      sessions.add(id);
      return soap(reply, 'Connect', '<ConnectResult>AUTH_SUCCESS</ConnectResult><challenge />', id);
    }
    const cookie = /ASP\.NET_SessionId=([0-9a-f]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    if (cookie === undefined || !sessions.has(cookie)) return fault(reply, 'Server was unable to process request. ---> Not connected');
    if (operation === 'GetTokensByOwner') {
      const owned = tokens.filter((t) => t.owner === arg('userName'));
      return soap(reply, operation, `<GetTokensByOwnerResult>${owned.map((t) => `<string>${escapeXml(t.serial)}</string>`).join('')}</GetTokensByOwnerResult>`);
    }
    if (operation === 'GetTokens') {
      const token = tokens.find((t) => t.serial === arg('serial'));
      const rows = token
        ? `<Named_Tokens_Table diffgr:id="Named_Tokens_Table1" msdata:rowOrder="0"><serialnumber>${escapeXml(token.serial)}</serialnumber><state>${token.state}</state><stateSetDate>2024-01-01T00:00:00.000+00:00</stateSetDate><userid>${escapeXml(token.owner)}</userid><orgName>Fake</orgName><type>${token.type}</type><container /><rented>0</rented><hardwareInit>false</hardwareInit><assignable>true</assignable><ice>0</ice><stateInt>1</stateInt><tokenAllowed>1</tokenAllowed></Named_Tokens_Table>`
        : '';
      return soap(
        reply,
        operation,
        `<GetTokensResult><xs:schema id="NewDataSet" xmlns:xs="http://www.w3.org/2001/XMLSchema" /><diffgr:diffgram xmlns:msdata="urn:schemas-microsoft-com:xml-msdata" xmlns:diffgr="urn:schemas-microsoft-com:xml-diffgram-v1"><NewDataSet xmlns="">${rows}</NewDataSet></diffgr:diffgram></GetTokensResult>`,
      );
    }
    return fault(reply, `Unknown operation ${operation}`);
  });

  address = await app.listen({ port: 0, host: '127.0.0.1' });

  function logAuthentication(userName: string, resultText: string, serial?: string, originatingAddress = '127.0.0.1'): void {
    const token = tokens.find((t) => t.serial === serial) ?? tokens.find((t) => t.owner === userName);
    logs.push({
      logVersion: '1.0',
      category: 'AUDIT',
      timeStamp: new Date(now()).toISOString(),
      id: randomBytes(6).toString('hex'),
      context: { tenantId: options.tenantCode, principalId: userName, originatingAddress },
      details: { type: 'AUTHENTICATION', credentialType: token?.type ?? 'otp', actionText: 'AUTH_ATTEMPT', resultText, serial: token?.serial ?? '' },
    });
  }

  return {
    url: address,
    soapUrl: `${address}/bsidca/BSIDCA.asmx`,
    users,
    groups,
    members,
    tokens,
    logs,
    faults,
    requests,
    apiKeys,
    expireSessions: () => sessions.clear(),
    login(userName, code) {
      let success: FakeStaToken | undefined;
      for (const t of tokens.filter((x) => x.owner === userName && x.state === 'Active')) {
        const at = verify(t.secret, t.counter, code, t.digits, 10);
        if (at !== null) {
          t.counter = at + 1;
          success = t;
          break;
        }
      }
      logAuthentication(userName, success ? 'AUTH_SUCCESS' : 'AUTH_FAILED', success?.serial);
    },
    logAuthentication,
    close: () => app.close(),
  };
}

export const STA_TENANT = 'Q41RKXHPWU';
export const STA_API_KEY = 'fake-sta-api-key-0123456789';
export const STA_OPERATOR = { email: 'operator@example.com', password: 'operator-password-not-real' };
export const STA_ALICE_SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';
export const STA_BOB_SECRET = 'AIDNYO2WRALLB7G56OAJBENN3FII44JE';

/** The runbook's two cases: alice with a MobilePASS (serial 1005956011), bob with a KT-4 (312899030). */
export function staSeed(): FakeStaOptions {
  return {
    tenantCode: STA_TENANT,
    apiKey: STA_API_KEY,
    operator: STA_OPERATOR,
    users: [
      { id: 'T05rc0VUdTVpOGNEczBrNjdiUUFBQUQ5', userName: 'alice', firstName: 'Alice', lastName: 'Archer', email: 'alice.archer@example.com' },
      { id: 'QjBia0VUdTVpOGNEczBrNjdiUUFBQUQ5', userName: 'bob', firstName: 'Bob', lastName: 'Baker', email: 'bob.baker@example.com' },
      { id: 'Sm9oblNtaXRoMDAwMDAwMDAwMDAwMDAw', userName: 'john.smith', firstName: 'John', lastName: 'Smith', email: 'john@example.org' },
      { id: 'SmFuZVNtaXRoMDAwMDAwMDAwMDAwMDAw', userName: 'jane.smith', firstName: 'Jane', lastName: 'Smith' },
    ],
    groups: [
      { id: 'G1', name: 'VPN Users' },
      { id: 'G2', name: 'Remote Access' },
    ],
    memberships: { alice: ['VPN Users'] },
    tokens: [
      { serial: '1005956011', owner: 'alice', type: 'MobilePASS', state: 'Active', secret: STA_ALICE_SECRET, counter: 10, digits: 6 },
      { serial: '312899030', owner: 'bob', type: 'KT', state: 'Active', secret: STA_BOB_SECRET, counter: 42, digits: 8 },
      { serial: '1005956099', owner: 'jane.smith', type: 'MobilePASS', state: 'Locked', secret: STA_BOB_SECRET, counter: 0, digits: 6 },
    ],
  };
}

/** an adapter config for the fake: REST and BSIDCA, short time-outs */
export function staConfig(sta: FakeSta, over: Partial<StaConfig> = {}): StaConfig {
  return {
    apiUrl: sta.url,
    tenantCode: STA_TENANT,
    apiKey: STA_API_KEY,
    consoleUrl: 'https://cloud.safenet-inc.com/',
    soap: { url: sta.soapUrl, user: STA_OPERATOR.email, password: STA_OPERATOR.password },
    lockout: { threshold: 3, lookbackMs: 86_400_000 },
    logSkewMs: 120_000,
    userScanPages: 20,
    timeoutMs: 500,
    retries: 2,
    guard: { rateLimit: 1000, rateWindowMs: 60_000, maxRateWaitMs: 1000, breakerFailures: 50, breakerCoolDownMs: 1000 },
    ...over,
  };
}

