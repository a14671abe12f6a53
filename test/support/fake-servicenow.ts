import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../../workers/app.js';
import { ticketKey } from '../../workers/store/keys.js';
import type { Scenario } from '../demo/scenarios.js';
import { ScriptedAnswers } from '../demo/scripted-answers.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { hasMarker } from '../../integrations/ticketing/comment-marker.js';
import { installWriteFaults } from './local-desk.js';
import type { WriteFault } from './ticket-system-contract.js';

/**
 * A fake ServiceNow instance built from the published reference, each shape with its page:
 *
 * - Table API (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html): `GET /api/now/table/{table}`
 *   with sysparm_query (encoded query: `=`, `!=`, `^`, `^OR`, `ORDERBY`, `ORDERBYDESC`), sysparm_fields, sysparm_limit,
 *   sysparm_offset, sysparm_display_value=false, sysparm_exclude_reference_link; `GET /api/now/table/{table}/{sys_id}`;
 *   `PATCH /api/now/table/{table}/{sys_id}`; answers `{"result": …}`, every value a string, dates as UTC
 *   "YYYY-MM-DD HH:MM:SS", reference fields `{link, value}` unless links are excluded; the example incident's fields.
 * - REST API HTTP response codes (https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/r_RESTAPIHTTPResponseCodes.html)
 *   and the error body `{"error": {"message", "detail"}, "status": "failure"}` (as ServiceNow API clients' tests record it:
 *   "No Record found" / "Record doesn't exist or ACL restricts the record retrieval").
 * - Inbound REST API rate limiting (https://www.servicenow.com/docs/r/australia/api-reference/rest-api-explorer/inbound-REST-API-rate-limiting.html):
 *   429 with Retry-After (seconds) when a rate limit rule fires.
 * - Client credentials grant workflow (https://www.servicenow.com/docs/r/zurich/platform-security/authentication/client-credentials-grant-workflow.html):
 *   `POST /oauth_token.do` with grant_type=client_credentials, client_id, client_secret; the token acts as the OAuth
 *   application user.
 * - Journal fields (https://www.servicenow.com/docs/r/australia/platform-administration/table-administration-and-data-management/r_JournalFields.html)
 *   and "Retrieve journal entries using direct web services" (https://www.servicenow.com/docs/r/australia/api-reference/web-services/retrieving-journal-entries.html):
 *   sys_journal_field rows (element comments / work_notes, element_id the incident's sys_id, value, sys_created_by).
 * - Choice table (https://www.servicenow.com/docs/r/platform-administration/system-localization/r_ChoicesTable.html):
 *   sys_choice rows (name = table, element, language, value, label, sequence, inactive).
 * - Life cycle of an Incident (https://www.servicenow.com/docs/r/it-service-management/incident-management/c_IncidentManagementStateModel.html):
 *   New, In Progress, On Hold (with On hold reason Awaiting Caller …), Resolved, Closed, Canceled; "If the caller updates
 *   the incident, the On hold reason field is cleared and the state of the incident is changed to In Progress".
 * - Internationalization support (https://docs.servicenow.com/bundle/newyork-platform-administration/page/administer/localization/concept/c_LangInternationalizationSupport.html):
 *   a session's language comes from the login picker, the header's picker, "the language setting in the User [sys_user]
 *   table", else the system default; the fake's sys_user rows carry that setting as `preferred_language`, "" for none.
 * - GlideCertificateEncryption.generateMac (https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideCertificateEncryptionAPI.html):
 *   the README's Business Rule signs its notification with base64 HMAC-SHA256 (key given base64-encoded).
 *
 * The fake's own choices, not from the reference (see the adapter's README): the state values differ from the base
 * system's unless `baseStateValues` (an adapter that hard-coded "6" for Resolved fails here); Resolved without a
 * resolution code and notes, and On Hold without a reason, are refused 403 as a data policy would.
 */

export interface FakeSysUser {
  sys_id: string;
  user_name: string;
  name: string;
  email: string;
  /** the roles that matter here: itil users may write work notes */
  itil: boolean;
  /** the user record's Language ("de"; "" for none: the instance's default applies) */
  preferred_language: string;
}

export interface FakeIncident {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  state: string;
  hold_reason: string;
  category: string;
  subcategory: string;
  caller_id: string;
  assignment_group: string;
  assigned_to: string;
  close_code: string;
  close_notes: string;
  active: 'true' | 'false';
  sys_created_on: string;
  sys_created_by: string;
  sys_updated_on: string;
  sys_updated_by: string;
  sys_mod_count: string;
}

export interface FakeJournalEntry {
  sys_id: string;
  name: 'incident';
  element: 'comments' | 'work_notes';
  element_id: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
}

export interface FakeChoice {
  sys_id: string;
  name: string;
  element: string;
  language: string;
  value: string;
  label: string;
  sequence: string;
  inactive: 'true' | 'false';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  status: number;
  retryAfterS?: number;
}

export interface Delivery {
  body: string;
  headers: Record<string, string>;
  status?: number;
}

export interface FakeServiceNowOptions {
  /** the bot's user (basic auth and the OAuth application user) */
  botUserName?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  /** seconds an OAuth token lives (default 1800) */
  tokenLifetimeS?: number;
  /** the Business Rule's secret (system property twofa_desk.webhook_secret) and where it posts; none: no notifications */
  webhookSecret?: string;
  webhookUrl?: string;
  /** the Business Rule's watched category (default two_factor) */
  watchCategory?: string;
  /** requests per window before 429 (none: no limit) */
  rateLimit?: { perWindow: number; windowMs: number };
  /** the base system's state values (1, 2, 3, 6, 7, 8); default: other values, to catch hard-coded ones */
  baseStateValues?: boolean;
}

export interface FakeServiceNow {
  url: string;
  readonly bot: FakeSysUser;
  users: Map<string, FakeSysUser>;
  groups: Map<string, { sys_id: string; name: string; active: 'true' | 'false' }>;
  incidents: Map<string, FakeIncident>;
  journal: FakeJournalEntry[];
  choices: FakeChoice[];
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** tokens handed out by /oauth_token.do */
  tokensIssued: number;
  /** while > 0, each notification that would be sent is dropped instead (a lost notification), counting down */
  dropNotifications: number;
  /** the next request trips a storm: every request is answered 429 until `retryAfterS` has passed */
  startStorm(retryAfterS: number): void;
  /** answer the next request(s) whose path includes `path` with this status and body instead */
  injectAnswer(rule: { path: string; times: number; status: number; body: unknown }): void;
  /** makes the bot's next incident write (PATCH) fail once as `kind` (see installWriteFaults in local-desk.ts) */
  failNextWrite(kind: WriteFault): void;
  /** true while a fault set by failNextWrite has not met a write yet */
  writeFaultPending(): boolean;
  /** revokes every OAuth token handed out (the next request with one is a 401) */
  revokeTokens(): void;
  stateValue(label: string): string;
  stateLabel(value: string): string | undefined;
  addUser(u: { user_name: string; name: string; email: string; itil?: boolean; preferred_language?: string }): FakeSysUser;
  addGroup(name: string): { sys_id: string; name: string; active: 'true' | 'false' };
  /** an incident as the caller opens it in the Service Portal: category set, caller = that user (created on first sight) */
  createIncident(i: { caller: { user_name?: string; name: string; email: string; preferred_language?: string }; short_description: string; description?: string; category?: string; subcategory?: string }): FakeIncident;
  /** a journal entry as someone writes it on the form (the caller's reply takes an On Hold incident back to In Progress) */
  addEntry(sysId: string, e: { by: string; element: 'comments' | 'work_notes'; value: string }): FakeJournalEntry;
  /** an agent (or anyone) changes fields on the form */
  changeIncident(sysId: string, c: { by: string; state?: string; category?: string; assigned_to?: string }): void;
  entriesOf(sysId: string): FakeJournalEntry[];
  redeliver(d: Delivery): Promise<number>;
  /** waits until every notification queued so far has been sent */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The base system's incident choices, by label; state values are moved unless `baseStateValues`. */
function seedChoices(base: boolean): FakeChoice[] {
  const rows: Array<[string, string, string]> = [
    ['state', base ? '1' : '101', 'New'],
    ['state', base ? '2' : '102', 'In Progress'],
    ['state', base ? '3' : '103', 'On Hold'],
    ['state', base ? '6' : '106', 'Resolved'],
    ['state', base ? '7' : '107', 'Closed'],
    ['state', base ? '8' : '108', 'Canceled'],
    ['hold_reason', '1', 'Awaiting Caller'],
    ['hold_reason', '5', 'Awaiting Change'],
    ['hold_reason', '3', 'Awaiting Problem'],
    ['hold_reason', '4', 'Awaiting Vendor'],
    ['close_code', 'Duplicate', 'Duplicate'],
    ['close_code', 'Solution provided', 'Solution provided'],
    ['close_code', 'Resolved by caller', 'Resolved by caller'],
  ];
  const out: FakeChoice[] = [];
  for (const [i, [element, value, label]] of rows.entries()) {
    out.push({ sys_id: sysId(), name: 'incident', element, language: 'en', value, label, sequence: String(i), inactive: 'false' });
    // a translation: the adapter asks for language=en and must not take these
    out.push({ sys_id: sysId(), name: 'incident', element, language: 'de', value, label: `${label} (de)`, sequence: String(i), inactive: 'false' });
  }
  return out;
}

function sysId(): string {
  return randomBytes(16).toString('hex');
}

/** A glide_date_time actual value: UTC, "YYYY-MM-DD HH:MM:SS". */
export function glideNow(at = Date.now()): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

type Row = Record<string, string>;

/** An encoded query as the Table API documents it: `^` AND, `^OR` OR with the condition before, ORDERBY/ORDERBYDESC. */
function parseQuery(query: string, me: string): { matches: (r: Row) => boolean; order: Array<{ field: string; desc: boolean }> } {
  const groups: Array<Array<(r: Row) => boolean>> = [];
  const order: Array<{ field: string; desc: boolean }> = [];
  for (const raw of query.split('^').filter((p) => p !== '')) {
    if (raw.startsWith('ORDERBYDESC')) {
      order.push({ field: raw.slice(11), desc: true });
      continue;
    }
    if (raw.startsWith('ORDERBY')) {
      order.push({ field: raw.slice(7), desc: false });
      continue;
    }
    const or = raw.startsWith('OR');
    const cond = or ? raw.slice(2) : raw;
    const m = /^([a-z_.]+)(!=|=)(.*)$/.exec(cond);
    if (!m) throw new Error(`fake: unsupported condition '${cond}'`);
    const [, field = '', op, rawValue = ''] = m;
    const value = rawValue === 'javascript:gs.getUserID()' ? me : rawValue;
    const test = (r: Row) => (op === '=' ? r[field] === value : r[field] !== value);
    if (or && groups.length > 0) groups.at(-1)?.push(test);
    else groups.push([test]);
  }
  return { matches: (r) => groups.every((g) => g.some((t) => t(r))), order };
}

export async function startFakeServiceNow(options: FakeServiceNowOptions = {}): Promise<FakeServiceNow> {
  const users = new Map<string, FakeSysUser>();
  const groups = new Map<string, { sys_id: string; name: string; active: 'true' | 'false' }>();
  const incidents = new Map<string, FakeIncident>();
  const journal: FakeJournalEntry[] = [];
  const choices = seedChoices(options.baseStateValues ?? false);
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const injected: Array<{ path: string; times: number; status: number; body: unknown }> = [];
  const tokens = new Map<string, number>();
  let nextNumber = 10_001;
  let stormArmed: number | undefined;
  let pausedUntil = 0;
  let window = { start: 0, count: 0 };
  let outbox: Promise<void> = Promise.resolve();
  const watchCategory = options.watchCategory ?? 'two_factor';

  const bot: FakeSysUser = { sys_id: sysId(), user_name: options.botUserName ?? 'twofa.bot', name: 'twofa-desk bot', email: 'twofa-bot@acme.example', itil: true, preferred_language: '' };
  users.set(bot.sys_id, bot);

  const label = (value: string) => choices.find((c) => c.element === 'state' && c.language === 'en' && c.value === value)?.label;
  const value = (l: string) => {
    const v = choices.find((c) => c.element === 'state' && c.language === 'en' && c.label === l)?.value;
    if (v === undefined) throw new Error(`fake: no state ${l}`);
    return v;
  };

  /** The authenticated user's user_name, or undefined. */
  function authenticated(req: FastifyRequest): FakeSysUser | undefined {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ') && options.password !== undefined) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      return user === bot.user_name && rest.join(':') === options.password ? bot : undefined;
    }
    if (auth.startsWith('Bearer ')) {
      const until = tokens.get(auth.slice(7));
      return until !== undefined && Date.now() < until ? bot : undefined;
    }
    return undefined;
  }

  const failure = (reply: FastifyReply, status: number, message: string, detail: string) => reply.code(status).send({ error: { message, detail }, status: 'failure' });

  /** The README's Business Rule: after insert or update of an incident in (or leaving) the watched category. */
  function businessRule(i: FakeIncident, operation: 'insert' | 'update', previousCategory: string | undefined): void {
    if (!options.webhookUrl) return;
    if (i.category !== watchCategory && previousCategory !== watchCategory) return;
    if (fake.dropNotifications > 0) {
      fake.dropNotifications--;
      return;
    }
    const body = JSON.stringify({
      sys_id: i.sys_id,
      number: i.number,
      sys_updated_on: i.sys_updated_on,
      sys_updated_by: i.sys_updated_by,
      operation,
      state: i.state,
      hold_reason: i.hold_reason,
      category: i.category,
      subcategory: i.subcategory,
      caller_id: i.caller_id,
      short_description: i.short_description,
      description: i.description.substring(0, 2000),
      delivery_id: randomUUID().replace(/-/g, ''),
      sent_at: Date.now(),
    });
    const signature = createHmac('sha256', options.webhookSecret ?? '').update(body, 'utf8').digest('base64');
    const delivery: Delivery = { body, headers: { 'content-type': 'application/json', 'x-servicenow-signature': signature } };
    deliveries.push(delivery);
    outbox = outbox.then(async () => {
      delivery.status = await post(delivery);
    });
  }

  async function post(d: Delivery): Promise<number> {
    try {
      const res = await fetch(options.webhookUrl ?? '', { method: 'POST', headers: d.headers, body: d.body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  function touch(i: FakeIncident, by: string): void {
    i.sys_updated_on = glideNow();
    i.sys_updated_by = by;
    i.sys_mod_count = String(Number(i.sys_mod_count) + 1);
  }

  function pushEntry(i: FakeIncident, by: string, element: 'comments' | 'work_notes', text: string): FakeJournalEntry {
    const e: FakeJournalEntry = { sys_id: sysId(), name: 'incident', element, element_id: i.sys_id, value: text, sys_created_on: glideNow(), sys_created_by: by };
    journal.push(e);
    return e;
  }

  /** The caller writing on an On Hold incident takes it back to In Progress and clears the hold reason. */
  function callerRule(i: FakeIncident, by: string): void {
    const caller = users.get(i.caller_id);
    if (caller?.user_name === by && label(i.state) === 'On Hold') {
      i.state = value('In Progress');
      i.hold_reason = '';
    }
  }

  function project(row: Row, fields: string | undefined, links: boolean, table: string): Row | Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = fields ? fields.split(',').filter((f) => f in row) : Object.keys(row);
    const refs: Record<string, string> = { caller_id: 'sys_user', assignment_group: 'sys_user_group', assigned_to: 'sys_user' };
    for (const k of keys) {
      const ref = table === 'incident' ? refs[k] : undefined;
      out[k] = ref && links && row[k] ? { link: `${fake.url}/api/now/table/${ref}/${row[k]}`, value: row[k] } : row[k];
    }
    return out;
  }

  function tableRows(table: string): Row[] | undefined {
    switch (table) {
      case 'incident':
        return [...incidents.values()] as unknown as Row[];
      case 'sys_user':
        return [...users.values()].map((u) => ({ sys_id: u.sys_id, user_name: u.user_name, name: u.name, email: u.email, preferred_language: u.preferred_language }));
      case 'sys_user_group':
        return [...groups.values()];
      case 'sys_journal_field':
        return journal as unknown as Row[];
      case 'sys_choice':
        return choices as unknown as Row[];
      default:
        return undefined;
    }
  }

  const app = Fastify({ logger: false });
  const failNextWrite = installWriteFaults(app, (req) => req.method === 'PATCH' && req.url.startsWith('/api/now/table/'));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  app.addHook('onSend', async (req, reply, payload) => {
    const url = new URL(req.url, 'http://fake');
    const retry = reply.getHeader('retry-after');
    requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: req.body,
      at: Date.now(),
      status: reply.statusCode,
      ...(retry !== undefined ? { retryAfterS: Number(retry) } : {}),
    });
    return payload;
  });

  /** The documented answer of a rate limit rule that fired ("Inbound REST API rate limiting"). */
  const rateLimitBody = (n: number) => ({ error: { message: 'Rate limit exceeded', detail: `Rate limit of ${n} requests per hour for Table API exceeded` }, status: 'failure' });

  /** Rate limit rules and injected answers, before anything else (the token endpoint counts too). */
  function gate(path: string, reply: FastifyReply): FastifyReply | undefined {
    const t = Date.now();
    if (stormArmed !== undefined) {
      pausedUntil = t + stormArmed * 1000;
      stormArmed = undefined;
    }
    if (t < pausedUntil) {
      return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((pausedUntil - t) / 1000)))).send(rateLimitBody(0));
    }
    if (options.rateLimit) {
      if (t - window.start >= options.rateLimit.windowMs) window = { start: t, count: 0 };
      window.count++;
      if (window.count > options.rateLimit.perWindow) {
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - t) / 1000)))).send(rateLimitBody(options.rateLimit.perWindow));
      }
    }
    const rule = injected.find((r) => r.times > 0 && path.includes(r.path));
    if (rule) {
      rule.times--;
      return reply.code(rule.status).send(rule.body);
    }
    return undefined;
  }

  app.post('/oauth_token.do', async (req, reply) => {
    const gated = gate('/oauth_token.do', reply);
    if (gated) return gated;
    const form = (req.body ?? {}) as Record<string, string>;
    if (form.grant_type !== 'client_credentials' || options.clientId === undefined || form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
      return reply.code(401).send({ error_description: 'access_denied', error: 'server_error' });
    }
    const token = randomBytes(24).toString('base64url');
    const lifetime = options.tokenLifetimeS ?? 1800;
    tokens.set(token, Date.now() + lifetime * 1000);
    fake.tokensIssued++;
    return { access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: lifetime };
  });

  app.all('/api/now/table/*', async (req, reply) => {
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    const q = url.searchParams;
    const gated = gate(path, reply);
    if (gated) return gated;
    const me = authenticated(req);
    if (!me) return failure(reply, 401, 'User Not Authenticated', 'Required to provide Auth information');
    if ((q.get('sysparm_display_value') ?? 'false') !== 'false') return failure(reply, 400, 'fake', 'this fake serves actual values only (sysparm_display_value=false)');
    const links = q.get('sysparm_exclude_reference_link') !== 'true';
    const fields = q.get('sysparm_fields') ?? undefined;
    const [, , , , table = '', id] = path.split('/');
    const rows = tableRows(table);
    if (!rows) return failure(reply, 400, 'Invalid table', `Invalid table ${table}`);

    if (req.method === 'GET' && id === undefined) {
      const { matches, order } = parseQuery(q.get('sysparm_query') ?? '', me.sys_id);
      let list = rows.filter(matches);
      for (const o of [...order].reverse()) list = [...list].sort((a, b) => (a[o.field] ?? '').localeCompare(b[o.field] ?? '', 'en', { numeric: true }) * (o.desc ? -1 : 1));
      const offset = Number(q.get('sysparm_offset') ?? 0);
      const limit = Number(q.get('sysparm_limit') ?? 10_000);
      const page = list.slice(offset, offset + limit);
      if (q.get('sysparm_no_count') !== 'true') void reply.header('x-total-count', String(list.length));
      return { result: page.map((r) => project(r, fields, links, table)) };
    }
    const row = rows.find((r) => r.sys_id === id);
    if (!row) return failure(reply, 404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    if (req.method === 'GET') return { result: project(row, fields, links, table) };

    if (req.method === 'PATCH' && table === 'incident') {
      const i = incidents.get(row.sys_id ?? '');
      if (!i) return failure(reply, 404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
      const body = (req.body ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(body)) if (typeof v !== 'string') return failure(reply, 400, 'fake', `${k}: the Table API takes strings`);
      const b = body as Record<string, string | undefined>;
      if (b.state !== undefined && label(b.state) === undefined) return failure(reply, 403, 'Operation Failed', `Data Policy Exception: State ${b.state} is not a choice of incident.state`);
      if (b.state !== undefined && label(b.state) === 'On Hold' && !b.hold_reason) return failure(reply, 403, 'Operation Failed', 'Data Policy Exception: On hold reason is mandatory');
      if (b.state !== undefined && label(b.state) === 'Resolved' && (!b.close_code || !b.close_notes)) {
        return failure(reply, 403, 'Operation Failed', 'Data Policy Exception: Resolution code, Resolution notes are mandatory');
      }
      if (b.work_notes !== undefined && !me.itil) return failure(reply, 403, 'Operation Failed', 'work_notes: write access denied');
      if (b.assignment_group !== undefined && !groups.has(b.assignment_group)) return failure(reply, 403, 'Operation Failed', 'Invalid reference: assignment_group');
      if (b.comments) pushEntry(i, me.user_name, 'comments', b.comments);
      if (b.work_notes) pushEntry(i, me.user_name, 'work_notes', b.work_notes);
      for (const f of ['state', 'hold_reason', 'close_code', 'close_notes', 'assignment_group'] as const) if (b[f] !== undefined) i[f] = b[f];
      if (b.state !== undefined && label(b.state) !== 'On Hold') i.hold_reason = '';
      i.active = ['Closed', 'Canceled'].includes(label(i.state) ?? '') ? 'false' : 'true';
      touch(i, me.user_name);
      businessRule(i, 'update', i.category);
      return { result: project(i as unknown as Row, fields, links, table) };
    }
    return failure(reply, 405, 'Method not allowed', `${req.method} ${path}`);
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const fake: FakeServiceNow = {
    url: address,
    bot,
    users,
    groups,
    incidents,
    journal,
    choices,
    requests,
    deliveries,
    tokensIssued: 0,
    dropNotifications: 0,
    startStorm(retryAfterS) {
      stormArmed = retryAfterS;
    },
    injectAnswer(rule) {
      injected.push({ ...rule });
    },
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
    revokeTokens() {
      tokens.clear();
    },
    stateValue: value,
    stateLabel: label,
    addUser(u) {
      const user: FakeSysUser = { sys_id: sysId(), user_name: u.user_name, name: u.name, email: u.email, itil: u.itil ?? false, preferred_language: u.preferred_language ?? '' };
      users.set(user.sys_id, user);
      return user;
    },
    addGroup(name) {
      const g = { sys_id: sysId(), name, active: 'true' as const };
      groups.set(g.sys_id, g);
      return g;
    },
    createIncident(c) {
      const caller = [...users.values()].find((u) => u.email.toLowerCase() === c.caller.email.toLowerCase()) ?? fake.addUser({ user_name: c.caller.user_name ?? c.caller.email.split('@')[0] ?? 'caller', name: c.caller.name, email: c.caller.email, ...(c.caller.preferred_language !== undefined ? { preferred_language: c.caller.preferred_language } : {}) });
      const at = glideNow();
      const i: FakeIncident = {
        sys_id: sysId(),
        number: `INC${String(nextNumber++).padStart(7, '0')}`,
        short_description: c.short_description,
        description: c.description ?? c.short_description,
        state: value('New'),
        hold_reason: '',
        category: c.category ?? watchCategory,
        subcategory: c.subcategory ?? '',
        caller_id: caller.sys_id,
        assignment_group: '',
        assigned_to: '',
        close_code: '',
        close_notes: '',
        active: 'true',
        sys_created_on: at,
        sys_created_by: caller.user_name,
        sys_updated_on: at,
        sys_updated_by: caller.user_name,
        sys_mod_count: '0',
      };
      incidents.set(i.sys_id, i);
      businessRule(i, 'insert', undefined);
      return i;
    },
    addEntry(id, e) {
      const i = incidents.get(id);
      if (!i) throw new Error(`no incident ${id}`);
      const entry = pushEntry(i, e.by, e.element, e.value);
      callerRule(i, e.by);
      touch(i, e.by);
      businessRule(i, 'update', i.category);
      return entry;
    },
    changeIncident(id, c) {
      const i = incidents.get(id);
      if (!i) throw new Error(`no incident ${id}`);
      const previous = i.category;
      if (c.state !== undefined) i.state = c.state;
      if (c.category !== undefined) i.category = c.category;
      if (c.assigned_to !== undefined) i.assigned_to = c.assigned_to;
      i.active = ['Closed', 'Canceled'].includes(label(i.state) ?? '') ? 'false' : 'true';
      touch(i, c.by);
      businessRule(i, 'update', previous);
    },
    entriesOf(id) {
      return journal.filter((e) => e.element_id === id);
    },
    redeliver: post,
    settle: async () => {
      await outbox;
    },
    async close() {
      await outbox;
      await app.close();
    },
  };
  return fake;
}

/** Signs a body as the README's Business Rule does, for tests that hand-craft notifications. */
export function signAsServiceNow(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64');
}

/** The environment of a twofa-desk app wired to a fake ServiceNow (embedded 2FA platform, loopback, fast sweeps). */
export function serviceNowAppEnv(o: {
  redisUrl: string;
  prefix: string;
  port: number;
  instanceUrl: string;
  credentials: { user: string; password: string; webhookSecret: string };
  escalationGroupSysId: string;
  pollIntervalS: number;
  watchCategory?: string;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'servicenow',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    SERVICENOW_INSTANCE_URL: o.instanceUrl,
    SERVICENOW_USER: o.credentials.user,
    SERVICENOW_PASSWORD: o.credentials.password,
    SERVICENOW_WEBHOOK_SECRET: o.credentials.webhookSecret,
    SERVICENOW_WATCH_CATEGORY: o.watchCategory ?? 'two_factor',
    SERVICENOW_ESCALATION_GROUP_SYS_ID: o.escalationGroupSysId,
    SERVICENOW_POLL_INTERVAL_S: String(o.pollIntervalS),
  };
}

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a fake ServiceNow incident, as test/support/zendesk-simulated-user.ts does on a
 * fake Zendesk: waits for a new Additional comment of the bot, looks at what the bot waits for, and replies per its
 * script as the caller (through the fake, which runs the Business Rule).
 */
export class ServiceNowSimulatedUser {
  private answered = 0;
  private agentAnswered = false;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(
    private readonly deps: { fake: FakeServiceNow; sysId: string; scenario: Scenario; token: VirtualToken | undefined; app: Pick<App, 'store' | 'platform'>; sent: Set<string> },
  ) {
    this.tk = ticketKey('servicenow', deps.sysId);
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  botPublicReplies(): number {
    const { fake, sysId: id } = this.deps;
    return fake.entriesOf(id).filter((e) => e.sys_created_by === fake.bot.user_name && e.element === 'comments' && hasMarker(e.value)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    while (Date.now() < deadline) {
      const replies = this.botPublicReplies();
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      // an agent of the service desk answers an identity approval with a work note, as the bot's note asks
      const agent = this.deps.scenario.script.agent;
      if (state?.status === 'awaiting_approval' && agent && !this.agentAnswered) {
        const { fake } = this.deps;
        const desk = [...fake.users.values()].find((u) => u.user_name === 'service.desk') ?? fake.addUser({ user_name: 'service.desk', name: 'Service Desk', email: 'desk@acme.example', itil: true });
        fake.addEntry(this.deps.sysId, { by: desk.user_name, element: 'work_notes', value: agent === 'approve' ? '#approve called the user back on the number in HR records' : '#reject not the account owner' });
        this.agentAnswered = true;
      }
      if (state && WAITING.has(state.status) && replies > this.answered) {
        const body = await this.answers.answer(state);
        const incident = this.deps.fake.incidents.get(this.deps.sysId);
        const caller = incident ? this.deps.fake.users.get(incident.caller_id) : undefined;
        if (body !== undefined && caller) this.deps.fake.addEntry(this.deps.sysId, { by: caller.user_name, element: 'comments', value: body });
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }
}
