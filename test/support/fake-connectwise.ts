import { randomUUID } from 'node:crypto';
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
 * A fake ConnectWise PSA (Manage) REST API built from the published reference, each shape with its page:
 *
 * - Developer Guide, "Authentication" and "ClientIds" (https://developer.connectwise.com/Best_Practices/PSA_Developer_Guide,
 *   https://developer.connectwise.com/ClientID): `Authorization: Basic base64(companyId+publicKey:privateKey)` of an
 *   API member, and the `clientId` header on every request; `Accept: application/vnd.connectwise.com+json; version=…`.
 * - "PSA API Requests" (https://developer.connectwise.com/Best_Practices/PSA_API_Requests): the methods (PATCH takes a
 *   JSON Patch array `[{op, path, value}]`), the status codes (400, 401, 403, 404, 409, 429 with Retry-After in
 *   seconds), the error body `{code, message, errors: [{code, message, resource, field}]}`, and the query parameters
 *   `conditions` (`field/sub=value`, strings in double quotes, `and`, `!=`), `orderBy`, `fields`, `page`, `pageSize`.
 * - "PSA Pagination" (https://developer.connectwise.com/Best_Practices/PSA_Pagination): page/pageSize, 1,000 records at
 *   most per page.
 * - The REST API reference (OpenAPI, https://developer.connectwise.com/Products/ConnectWise_PSA/REST): `Ticket`
 *   (id, summary, board, status, type, subType, company {id, identifier, name}, contact {id, name},
 *   contactEmailAddress, team, owner, closedFlag, _info {lastUpdated, updatedBy, dateEntered, enteredBy}),
 *   `ServiceNote` (id, ticketId, text, detailDescriptionFlag, internalAnalysisFlag, resolutionFlag, member, contact,
 *   dateCreated, createdBy), `Contact` (firstName, lastName, communicationItems [{type, value, defaultFlag,
 *   communicationType}]), `BoardStatus` (id, name, closedStatus, inactive), `Member` (id, identifier), `Callback`
 *   (url, objectId, type, level, isSelfSuppressedFlag, payloadVersion).
 * - "PSA Callbacks" (https://developer.connectwise.com/Best_Practices/PSA_Callbacks): a callback posts
 *   `{MessageId, FromUrl, CompanyId, MemberId, Action: added|updated|deleted, Type, ID, Entity (the record as a JSON
 *   string), Metadata {key_url}, CallbackObjectRecId}` to its URL when a record is saved; level "board" limits it to
 *   one board; isSelfSuppressedFlag leaves out the saves of the member who registered it.
 *
 * The fake's own choices, not from the reference (see the adapter's README): status and board ids are not small
 * numbers (an adapter that hard-coded one fails); a contact's note on a ticket in "Waiting Customer" moves it to
 * "Customer Updated" (the board's usual "customer responded" status); moving a ticket to another board without a
 * status of that board is refused 400; adding a note saves the ticket (its _info.lastUpdated moves).
 */

export interface FakeMember {
  id: number;
  identifier: string;
  name: string;
}

export interface FakeContact {
  id: number;
  firstName: string;
  lastName: string;
  companyId: number;
  email: string;
}

export interface FakeStatus {
  id: number;
  name: string;
  closedStatus: boolean;
  inactive: boolean;
}

export interface FakeBoard {
  id: number;
  name: string;
  statuses: FakeStatus[];
  teams: Array<{ id: number; name: string }>;
  types: Array<{ id: number; name: string }>;
}

export interface FakeTicket {
  id: number;
  summary: string;
  boardId: number;
  statusId: number;
  type: { id: number; name: string } | undefined;
  companyId: number;
  contactId: number | undefined;
  contactEmailAddress: string;
  teamId: number | undefined;
  ownerId: number | undefined;
  closedFlag: boolean;
  lastUpdated: string;
  updatedBy: string;
  dateEntered: string;
  enteredBy: string;
}

export interface FakeNote {
  id: number;
  ticketId: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  memberId: number | undefined;
  contactId: number | undefined;
  dateCreated: string;
  createdBy: string;
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

export interface FakeConnectWiseOptions {
  companyId?: string;
  publicKey?: string;
  privateKey?: string;
  clientId?: string;
  /** the API member whose keys the bot uses */
  apiMember?: string;
  /** where the registered callback (level board, the watched board) posts; none: no callbacks */
  callbackUrl?: string;
  /** the callback's isSelfSuppressedFlag: the API member's own saves send nothing (default false) */
  selfSuppressed?: boolean;
  /** requests per window before 429 (none: no limit) */
  rateLimit?: { perWindow: number; windowMs: number };
}

export interface FakeConnectWise {
  url: string;
  readonly companyId: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly clientId: string;
  readonly bot: FakeMember;
  /** the watched board (type "2FA", statuses New … >Closed, team "Tier 2") and the escalation board */
  readonly board: FakeBoard;
  readonly escalationBoard: FakeBoard;
  readonly watchType: { id: number; name: string };
  members: Map<number, FakeMember>;
  contacts: Map<number, FakeContact>;
  companies: Map<number, { id: number; identifier: string; name: string }>;
  boards: Map<number, FakeBoard>;
  tickets: Map<number, FakeTicket>;
  notes: FakeNote[];
  requests: RecordedRequest[];
  deliveries: Delivery[];
  /** while > 0, each callback that would be sent is dropped instead (a lost callback), counting down */
  dropCallbacks: number;
  startStorm(retryAfterS: number): void;
  injectAnswer(rule: { path: string; times: number; status: number; body: unknown }): void;
  failNextWrite(kind: WriteFault): void;
  writeFaultPending(): boolean;
  statusByName(boardId: number, name: string): FakeStatus;
  statusName(t: FakeTicket): string;
  addMember(identifier: string, name: string): FakeMember;
  /** a ticket as the customer opens it (portal or email connector): its contact (created on first sight), the description as the first note */
  createTicket(t: { contact: { name: string; email: string; company?: string }; summary: string; description?: string; watched?: boolean }): FakeTicket;
  /** a note by the ticket's contact, another contact, or a member on the ticket screen */
  addNote(ticketId: number, n: { text: string; byContact?: number; byMember?: number; internal?: boolean }): FakeNote;
  /** a member changes the ticket on the ticket screen */
  changeTicket(ticketId: number, c: { by: FakeMember; statusId?: number; boardId?: number; typeId?: number }): void;
  notesOf(ticketId: number): FakeNote[];
  redeliver(d: Delivery, url?: string): Promise<number>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A date as the REST API writes it: ISO 8601 UTC to the second. */
export function cwNow(at = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Json = Record<string, unknown>;

/** `conditions` as "PSA API Requests" documents them, the forms this fake serves: `a/b=1 and c="x" and d!=2 and e=false`. */
function parseConditions(conditions: string): (row: Json) => boolean {
  if (conditions.trim() === '') return () => true;
  const tests = conditions.split(/\s+and\s+/i).map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_/]*)\s*(!=|=)\s*(?:"([^"]*)"|(true|false)|(-?\d+))\s*$/.exec(part);
    if (!m) throw new Error(`unsupported condition '${part}'`);
    const [, field = '', op, str, bool, num] = m;
    const want: unknown = str !== undefined ? str : bool !== undefined ? bool === 'true' : Number(num);
    return (row: Json) => {
      const got = field.split('/').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), row);
      const eq = typeof want === 'string' && typeof got === 'string' ? got.toLowerCase() === want.toLowerCase() : got === want;
      return op === '=' ? eq : !eq;
    };
  });
  return (row) => tests.every((t) => t(row));
}

/** `fields=a,b/c`: only those (nested with `/`). */
function project(row: Json, fields: string | undefined): Json {
  if (!fields) return row;
  const out: Json = {};
  for (const f of fields.split(',').map((x) => x.trim())) {
    const path = f.split('/');
    let src: unknown = row;
    let dst: Json = out;
    for (const [i, k] of path.entries()) {
      if (!src || typeof src !== 'object' || !(k in (src as Json))) break;
      src = (src as Json)[k];
      if (i === path.length - 1) dst[k] = src;
      else dst = (dst[k] as Json | undefined) ?? (dst[k] = {});
    }
  }
  return out;
}

export async function startFakeConnectWise(options: FakeConnectWiseOptions = {}): Promise<FakeConnectWise> {
  const companyId = options.companyId ?? 'acmemsp';
  const publicKey = options.publicKey ?? 'pubKey7c21wqSxILBL';
  const privateKey = options.privateKey ?? 'privKeyQC98JzzT4p0';
  const clientId = options.clientId ?? '3a0a6ba0-4f8e-4f0b-9c8f-1d2e3f405060';
  const members = new Map<number, FakeMember>();
  const contacts = new Map<number, FakeContact>();
  const companies = new Map<number, { id: number; identifier: string; name: string }>();
  const boards = new Map<number, FakeBoard>();
  const tickets = new Map<number, FakeTicket>();
  const notes: FakeNote[] = [];
  const requests: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  const injected: Array<{ path: string; times: number; status: number; body: unknown }> = [];
  const nextId = { ticket: 20_417, note: 880_001, contact: 57_961, member: 190, company: 250 };
  let stormArmed: number | undefined;
  let pausedUntil = 0;
  let window = { start: 0, count: 0 };
  let outbox: Promise<void> = Promise.resolve();

  const bot: FakeMember = { id: nextId.member++, identifier: options.apiMember ?? 'TwofaDeskApi', name: 'twofa-desk API' };
  members.set(bot.id, bot);
  const status = (id: number, name: string, closedStatus = false): FakeStatus => ({ id, name, closedStatus, inactive: false });
  const watchType = { id: 212, name: '2FA' };
  const board: FakeBoard = {
    id: 31,
    name: 'Service Desk',
    statuses: [status(701, 'New'), status(702, 'In Progress'), status(703, 'Waiting Customer'), status(704, 'Customer Updated'), status(705, 'Completed', true), status(706, '>Closed', true), { ...status(709, 'Waiting Customer (old)'), inactive: true }],
    teams: [{ id: 25, name: 'Tier 2' }],
    types: [watchType, { id: 213, name: 'Hardware' }],
  };
  const escalationBoard: FakeBoard = {
    id: 47,
    name: 'Escalations',
    statuses: [status(801, 'New'), status(802, 'In Progress'), status(803, 'Waiting Customer'), status(805, 'Completed', true)],
    teams: [{ id: 26, name: 'Identity' }],
    types: [],
  };
  boards.set(board.id, board);
  boards.set(escalationBoard.id, escalationBoard);

  const findStatus = (boardId: number, id: number) => boards.get(boardId)?.statuses.find((s) => s.id === id);
  const statusByName = (boardId: number, name: string): FakeStatus => {
    const s = boards.get(boardId)?.statuses.find((x) => x.name === name && !x.inactive);
    if (!s) throw new Error(`fake: board ${boardId} has no status ${name}`);
    return s;
  };

  function memberOf(req: FastifyRequest): FakeMember | undefined {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    return decoded === `${companyId}+${publicKey}:${privateKey}` ? bot : undefined;
  }

  const failure = (reply: FastifyReply, code: number, cwCode: string, message: string, field?: string) =>
    reply.code(code).send({ code: cwCode, message, ...(field ? { errors: [{ code: cwCode, message, resource: 'ticket', field }] } : {}) });

  const ref = (b: FakeBoard | undefined) => (b ? { id: b.id, name: b.name, _info: {} } : undefined);

  function ticketJson(t: FakeTicket): Json {
    const b = boards.get(t.boardId);
    const s = findStatus(t.boardId, t.statusId);
    const company = companies.get(t.companyId);
    const contact = t.contactId !== undefined ? contacts.get(t.contactId) : undefined;
    const team = b?.teams.find((x) => x.id === t.teamId);
    const owner = t.ownerId !== undefined ? members.get(t.ownerId) : undefined;
    return {
      id: t.id,
      summary: t.summary,
      recordType: 'ServiceTicket',
      board: ref(b),
      status: s ? { id: s.id, name: s.name, _info: {} } : undefined,
      ...(t.type ? { type: { ...t.type, _info: {} } } : {}),
      company: company ? { ...company, _info: {} } : undefined,
      ...(contact ? { contact: { id: contact.id, name: `${contact.firstName} ${contact.lastName}`, _info: {} }, contactName: `${contact.firstName} ${contact.lastName}` } : {}),
      contactEmailAddress: t.contactEmailAddress,
      ...(team ? { team: { ...team, _info: {} } } : {}),
      ...(owner ? { owner: { id: owner.id, identifier: owner.identifier, name: owner.name, _info: {} } } : {}),
      closedFlag: t.closedFlag,
      _info: { lastUpdated: t.lastUpdated, updatedBy: t.updatedBy, dateEntered: t.dateEntered, enteredBy: t.enteredBy, notes_href: `${fake.url}/service/tickets/${t.id}/notes` },
    };
  }

  function noteJson(n: FakeNote): Json {
    const m = n.memberId !== undefined ? members.get(n.memberId) : undefined;
    const c = n.contactId !== undefined ? contacts.get(n.contactId) : undefined;
    return {
      id: n.id,
      ticketId: n.ticketId,
      text: n.text,
      detailDescriptionFlag: n.detailDescriptionFlag,
      internalAnalysisFlag: n.internalAnalysisFlag,
      resolutionFlag: n.resolutionFlag,
      ...(m ? { member: { id: m.id, identifier: m.identifier, name: m.name, _info: {} } } : {}),
      ...(c ? { contact: { id: c.id, name: `${c.firstName} ${c.lastName}`, _info: {} } } : {}),
      dateCreated: n.dateCreated,
      createdBy: n.createdBy,
      internalFlag: n.internalAnalysisFlag,
      externalFlag: !n.internalAnalysisFlag,
      _info: { lastUpdated: n.dateCreated, updatedBy: n.createdBy },
    };
  }

  function contactJson(c: FakeContact): Json {
    const company = companies.get(c.companyId);
    return {
      id: c.id,
      firstName: c.firstName,
      lastName: c.lastName,
      company: company ? { ...company, _info: {} } : undefined,
      inactiveFlag: false,
      communicationItems: [
        { id: c.id * 10 + 1, type: { id: 2, name: 'Direct', _info: {} }, value: '+1 555 0100', defaultFlag: true, communicationType: 'Phone' },
        { id: c.id * 10 + 2, type: { id: 1, name: 'Email', _info: {} }, value: c.email, defaultFlag: true, domain: `@${c.email.split('@')[1] ?? ''}`, communicationType: 'Email' },
      ],
      _info: {},
    };
  }

  /** The registered callback (level board, the watched board): a save of a ticket on it, or leaving it, is posted. */
  function callback(t: FakeTicket, action: 'added' | 'updated', by: string, previousBoard: number): void {
    if (!options.callbackUrl) return;
    if (t.boardId !== board.id && previousBoard !== board.id) return;
    if (options.selfSuppressed && by === bot.identifier) return;
    if (fake.dropCallbacks > 0) {
      fake.dropCallbacks--;
      return;
    }
    const host = new URL(fake.url).host;
    const body = JSON.stringify({
      MessageId: randomUUID(),
      FromUrl: host,
      CompanyId: companyId,
      MemberId: by,
      Action: action,
      Type: 'ticket',
      ID: t.id,
      ProductInstanceId: null,
      PartnerId: null,
      Entity: JSON.stringify(ticketJson(t)),
      Metadata: { key_url: `${fake.url}/callbackkey/index.rails?companyName=${companyId}&id=${randomUUID()}` },
      CallbackObjectRecId: 26_604,
    });
    const delivery: Delivery = { body, headers: { 'content-type': 'application/json' } };
    deliveries.push(delivery);
    outbox = outbox.then(async () => {
      delivery.status = await post(delivery);
    });
  }

  async function post(d: Delivery, url = options.callbackUrl ?? ''): Promise<number> {
    try {
      const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  function touch(t: FakeTicket, by: string): void {
    t.lastUpdated = cwNow();
    t.updatedBy = by;
  }

  function pushNote(t: FakeTicket, n: Omit<FakeNote, 'id' | 'ticketId' | 'dateCreated'>): FakeNote {
    const note: FakeNote = { id: nextId.note++, ticketId: t.id, dateCreated: cwNow(), ...n };
    notes.push(note);
    return note;
  }

  function setStatus(t: FakeTicket, s: FakeStatus): void {
    t.statusId = s.id;
    t.closedFlag = s.closedStatus;
  }

  const app = Fastify({ logger: false });
  const failNextWrite = installWriteFaults(app, (req) => (req.method === 'POST' && /\/notes$/.test(req.url.split('?')[0] ?? '')) || req.method === 'PATCH');
  app.addHook('onSend', async (req, reply, payload) => {
    const url = new URL(req.url, 'http://fake');
    const retry = reply.getHeader('retry-after');
    requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: req.body, at: Date.now(), status: reply.statusCode, ...(retry !== undefined ? { retryAfterS: Number(retry) } : {}) });
    return payload;
  });

  /** Capacity limits, injected answers, credentials and the clientId, before any route. */
  app.addHook('preHandler', async (req, reply) => {
    const t = Date.now();
    if (stormArmed !== undefined) {
      pausedUntil = t + stormArmed * 1000;
      stormArmed = undefined;
    }
    if (t < pausedUntil) return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((pausedUntil - t) / 1000)))).send({ code: 'TooManyRequests', message: 'Request volume exceeds capacity' });
    if (options.rateLimit) {
      if (t - window.start >= options.rateLimit.windowMs) window = { start: t, count: 0 };
      window.count++;
      if (window.count > options.rateLimit.perWindow) {
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - t) / 1000)))).send({ code: 'TooManyRequests', message: 'Request volume exceeds capacity' });
      }
    }
    const rule = injected.find((r) => r.times > 0 && req.url.includes(r.path));
    if (rule) {
      rule.times--;
      return reply.code(rule.status).send(rule.body);
    }
    if (req.headers.clientid !== clientId) return failure(reply, 401, 'Unauthorized', 'clientId header is missing or not a registered clientId');
    if (!memberOf(req)) return failure(reply, 401, 'Unauthorized', 'The supplied authentication is incorrect');
    const accept = String(req.headers.accept ?? '');
    if (accept !== '' && !/^application\/vnd\.connectwise\.com\+json; version=\d{4}\.\d{1,2}$/.test(accept)) return failure(reply, 400, 'InvalidVersion', `unsupported Accept header ${accept}`);
    return undefined;
  });

  function list<T>(req: FastifyRequest, rows: T[], toJson: (r: T) => Json): Json[] {
    const q = req.query as Record<string, string | undefined>;
    const matches = parseConditions(q.conditions ?? '');
    const pageSize = Math.min(1000, Number(q.pageSize ?? 25));
    const page = Math.max(1, Number(q.page ?? 1));
    let all = rows.map(toJson).filter(matches);
    if (q.orderBy === 'id asc') all = all.sort((a, b) => Number(a.id) - Number(b.id));
    return all.slice((page - 1) * pageSize, page * pageSize).map((r) => project(r, q.fields));
  }

  app.get('/service/tickets', async (req) => list(req, [...tickets.values()], ticketJson));
  app.get<{ Params: { id: string } }>('/service/tickets/:id', async (req, reply) => {
    const t = tickets.get(Number(req.params.id));
    if (!t) return failure(reply, 404, 'NotFound', `Ticket with id ${req.params.id} was not found.`);
    return project(ticketJson(t), (req.query as { fields?: string }).fields);
  });
  app.get<{ Params: { id: string } }>('/service/tickets/:id/notes', async (req, reply) => {
    const t = tickets.get(Number(req.params.id));
    if (!t) return failure(reply, 404, 'NotFound', `Ticket with id ${req.params.id} was not found.`);
    return list(req, fake.notesOf(t.id), noteJson);
  });
  app.post<{ Params: { id: string } }>('/service/tickets/:id/notes', async (req, reply) => {
    const t = tickets.get(Number(req.params.id));
    if (!t) return failure(reply, 404, 'NotFound', `Ticket with id ${req.params.id} was not found.`);
    const b = (req.body ?? {}) as Json;
    if (typeof b.text !== 'string' || b.text.trim() === '') return failure(reply, 400, 'InvalidObject', 'text is required', 'text');
    const flags = ['detailDescriptionFlag', 'internalAnalysisFlag', 'resolutionFlag'] as const;
    if (!flags.some((f) => b[f] === true)) return failure(reply, 400, 'InvalidObject', 'A note must be at least one of Discussion, Internal or Resolution', 'detailDescriptionFlag');
    const note = pushNote(t, { text: b.text, detailDescriptionFlag: b.detailDescriptionFlag === true, internalAnalysisFlag: b.internalAnalysisFlag === true, resolutionFlag: b.resolutionFlag === true, memberId: bot.id, contactId: undefined, createdBy: bot.identifier });
    touch(t, bot.identifier);
    callback(t, 'updated', bot.identifier, t.boardId);
    return reply.code(201).send(noteJson(note));
  });
  app.patch<{ Params: { id: string } }>('/service/tickets/:id', async (req, reply) => {
    const t = tickets.get(Number(req.params.id));
    if (!t) return failure(reply, 404, 'NotFound', `Ticket with id ${req.params.id} was not found.`);
    const ops = req.body;
    if (!Array.isArray(ops)) return failure(reply, 400, 'InvalidObject', 'a PATCH body is a JSON Patch array [{op, path, value}]');
    const next = { ...t };
    for (const o of ops as Json[]) {
      const value = o.value as { id?: unknown } | undefined;
      if (o.op !== 'replace' || typeof value?.id !== 'number') return failure(reply, 400, 'InvalidObject', `unsupported operation ${JSON.stringify(o)}`);
      if (o.path === 'board') next.boardId = value.id;
      else if (o.path === 'status') next.statusId = value.id;
      else if (o.path === 'team') next.teamId = value.id;
      else if (o.path === 'owner') next.ownerId = value.id;
      else return failure(reply, 400, 'InvalidObject', `unsupported path ${String(o.path)}`);
    }
    const b = boards.get(next.boardId);
    if (!b) return failure(reply, 400, 'InvalidObject', 'board not found', 'board');
    const s = findStatus(next.boardId, next.statusId);
    if (!s || s.inactive) return failure(reply, 400, 'InvalidObject', `status ${next.statusId} is not a status of board ${next.boardId}`, 'status');
    if (next.teamId !== undefined && next.teamId !== t.teamId && !b.teams.some((x) => x.id === next.teamId)) return failure(reply, 400, 'InvalidObject', 'team not on the board', 'team');
    if (next.ownerId !== undefined && !members.has(next.ownerId)) return failure(reply, 400, 'InvalidObject', 'owner not found', 'owner');
    const previousBoard = t.boardId;
    Object.assign(t, next);
    setStatus(t, s);
    touch(t, bot.identifier);
    callback(t, 'updated', bot.identifier, previousBoard);
    return ticketJson(t);
  });
  app.get<{ Params: { id: string } }>('/company/contacts/:id', async (req, reply) => {
    const c = contacts.get(Number(req.params.id));
    if (!c) return failure(reply, 404, 'NotFound', `Contact with id ${req.params.id} was not found.`);
    return project(contactJson(c), (req.query as { fields?: string }).fields);
  });
  app.get<{ Params: { id: string } }>('/service/boards/:id', async (req, reply) => {
    const b = boards.get(Number(req.params.id));
    if (!b) return failure(reply, 404, 'NotFound', `Board with id ${req.params.id} was not found.`);
    return { id: b.id, name: b.name, inactiveFlag: false, _info: {} };
  });
  app.get<{ Params: { id: string } }>('/service/boards/:id/statuses', async (req, reply) => {
    const b = boards.get(Number(req.params.id));
    if (!b) return failure(reply, 404, 'NotFound', `Board with id ${req.params.id} was not found.`);
    return list(req, b.statuses, (s) => ({ ...s, board: ref(b), sortOrder: s.id, displayOnBoard: true, defaultFlag: s.name === 'New', _info: {} }));
  });
  app.get<{ Params: { id: string; team: string } }>('/service/boards/:id/teams/:team', async (req, reply) => {
    const team = boards.get(Number(req.params.id))?.teams.find((x) => x.id === Number(req.params.team));
    if (!team) return failure(reply, 404, 'NotFound', `Team with id ${req.params.team} was not found.`);
    return { ...team, _info: {} };
  });
  app.get('/system/members', async (req) => list(req, [...members.values()], (m) => ({ id: m.id, identifier: m.identifier, firstName: m.name, inactiveFlag: false, _info: {} })));

  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  const fake: FakeConnectWise = {
    url: address,
    companyId,
    publicKey,
    privateKey,
    clientId,
    bot,
    board,
    escalationBoard,
    watchType,
    members,
    contacts,
    companies,
    boards,
    tickets,
    notes,
    requests,
    deliveries,
    dropCallbacks: 0,
    startStorm(retryAfterS) {
      stormArmed = retryAfterS;
    },
    injectAnswer(rule) {
      injected.push({ ...rule });
    },
    failNextWrite,
    writeFaultPending: () => failNextWrite.pending(),
    statusByName,
    statusName: (t) => findStatus(t.boardId, t.statusId)?.name ?? '?',
    addMember(identifier, name) {
      const m = { id: nextId.member++, identifier, name };
      members.set(m.id, m);
      return m;
    },
    createTicket(o) {
      const companyName = o.contact.company ?? 'Contoso Ltd';
      const company = [...companies.values()].find((c) => c.name === companyName) ?? { id: nextId.company++, identifier: companyName.replace(/\W+/g, ''), name: companyName };
      companies.set(company.id, company);
      let contact = [...contacts.values()].find((c) => c.email.toLowerCase() === o.contact.email.toLowerCase());
      if (!contact) {
        const [firstName = '', ...rest] = o.contact.name.split(' ');
        contact = { id: nextId.contact++, firstName, lastName: rest.join(' '), companyId: company.id, email: o.contact.email.toLowerCase() };
        contacts.set(contact.id, contact);
      }
      const at = cwNow();
      const t: FakeTicket = {
        id: nextId.ticket++,
        summary: o.summary,
        boardId: board.id,
        statusId: statusByName(board.id, 'New').id,
        type: o.watched === false ? board.types[1] : watchType,
        companyId: company.id,
        contactId: contact.id,
        contactEmailAddress: contact.email,
        teamId: undefined,
        ownerId: undefined,
        closedFlag: false,
        lastUpdated: at,
        updatedBy: 'EmailConnector',
        dateEntered: at,
        enteredBy: 'EmailConnector',
      };
      tickets.set(t.id, t);
      // the initial description is the ticket's first Discussion note, by its contact
      pushNote(t, { text: o.description ?? o.summary, detailDescriptionFlag: true, internalAnalysisFlag: false, resolutionFlag: false, memberId: undefined, contactId: contact.id, createdBy: 'EmailConnector' });
      callback(t, 'added', 'EmailConnector', t.boardId);
      return t;
    },
    addNote(ticketId, n) {
      const t = tickets.get(ticketId);
      if (!t) throw new Error(`fake: no ticket ${ticketId}`);
      const member = n.byMember !== undefined ? members.get(n.byMember) : undefined;
      const contactId = member ? undefined : (n.byContact ?? t.contactId);
      const by = member?.identifier ?? 'EmailConnector';
      const note = pushNote(t, { text: n.text, detailDescriptionFlag: !n.internal, internalAnalysisFlag: n.internal === true, resolutionFlag: false, memberId: member?.id, contactId, createdBy: by });
      if (!member && findStatus(t.boardId, t.statusId)?.name === 'Waiting Customer') setStatus(t, statusByName(t.boardId, 'Customer Updated'));
      touch(t, by);
      callback(t, 'updated', by, t.boardId);
      return note;
    },
    changeTicket(ticketId, c) {
      const t = tickets.get(ticketId);
      if (!t) throw new Error(`fake: no ticket ${ticketId}`);
      const previous = t.boardId;
      if (c.boardId !== undefined) t.boardId = c.boardId;
      if (c.statusId !== undefined) {
        const s = findStatus(t.boardId, c.statusId);
        if (!s) throw new Error(`fake: no status ${c.statusId} on board ${t.boardId}`);
        setStatus(t, s);
      }
      if (c.typeId !== undefined) t.type = boards.get(t.boardId)?.types.find((x) => x.id === c.typeId);
      touch(t, c.by.identifier);
      callback(t, 'updated', c.by.identifier, previous);
    },
    notesOf: (ticketId) => notes.filter((n) => n.ticketId === ticketId),
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

/** The environment of a twofa-desk app wired to a fake ConnectWise (embedded 2FA platform, loopback, fast sweeps). */
export function connectWiseAppEnv(o: { redisUrl: string; prefix: string; port: number; fake: FakeConnectWise; callbackSecret: string; pollIntervalS: number; escalation?: 'board' | 'team' }): Record<string, string> {
  const { fake } = o;
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'connectwise',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    CONNECTWISE_SITE: fake.url,
    CONNECTWISE_COMPANY_ID: fake.companyId,
    CONNECTWISE_PUBLIC_KEY: fake.publicKey,
    CONNECTWISE_PRIVATE_KEY: fake.privateKey,
    CONNECTWISE_CLIENT_ID: fake.clientId,
    CONNECTWISE_API_MEMBER: fake.bot.identifier,
    CONNECTWISE_BOARD_ID: String(fake.board.id),
    CONNECTWISE_WATCH_TYPE: fake.watchType.name,
    CONNECTWISE_CALLBACK_SECRET: o.callbackSecret,
    ...(o.escalation === 'team' ? { CONNECTWISE_ESCALATION_TEAM_ID: String(fake.board.teams[0]?.id) } : { CONNECTWISE_ESCALATION_BOARD_ID: String(fake.escalationBoard.id) }),
    CONNECTWISE_POLL_INTERVAL_S: String(o.pollIntervalS),
    // many scenarios at once on one fake: the default budget (120/min) is for one site's real traffic
    CONNECTWISE_RATE_LIMIT_PER_MIN: '2000',
  };
}

const TERMINAL = new Set(['resolved', 'timed_out', 'escalated', 'handed_off']);
const WAITING = new Set(['awaiting_codes', 'awaiting_response', 'awaiting_retest']);

/**
 * An end user answering the bot on a fake ConnectWise ticket, as test/support/fake-servicenow.ts's caller does: waits
 * for a new Discussion note of the bot, looks at what the bot waits for, and replies per its script as the ticket's
 * contact (through the fake, which sends the callback). An agent answers an identity approval with an internal note.
 */
export class ConnectWiseSimulatedUser {
  private answered = 0;
  private agentAnswered = false;
  private readonly answers: ScriptedAnswers;
  private readonly tk: string;

  constructor(private readonly deps: { fake: FakeConnectWise; ticketId: number; scenario: Scenario; token: VirtualToken | undefined; app: Pick<App, 'store' | 'platform'>; sent: Set<string> }) {
    this.tk = ticketKey('connectwise', String(deps.ticketId));
    const platform = deps.app.platform as LocalPlatform;
    this.answers = new ScriptedAnswers({ scenario: deps.scenario, token: deps.token, sent: deps.sent, login: (userName, code) => platform.authenticate(userName, code) });
  }

  botPublicReplies(): number {
    const { fake, ticketId } = this.deps;
    return fake.notesOf(ticketId).filter((n) => n.memberId === fake.bot.id && !n.internalAnalysisFlag && hasMarker(n.text)).length;
  }

  async run(deadline: number): Promise<WorkflowState | undefined> {
    let last: WorkflowState | undefined;
    while (Date.now() < deadline) {
      const replies = this.botPublicReplies();
      const state = (await this.deps.app.store.getState(this.tk)).state;
      last = state;
      if (state && TERMINAL.has(state.status) && (await this.deps.app.store.pendingEffects(this.tk)).length === 0) return state;
      const agent = this.deps.scenario.script.agent;
      if (state?.status === 'awaiting_approval' && agent && !this.agentAnswered) {
        const { fake } = this.deps;
        const desk = [...fake.members.values()].find((m) => m.identifier === 'servicedesk') ?? fake.addMember('servicedesk', 'Service Desk');
        fake.addNote(this.deps.ticketId, { byMember: desk.id, internal: true, text: agent === 'approve' ? '#approve called the user back on the number in HR records' : '#reject not the account owner' });
        this.agentAnswered = true;
      }
      if (state && WAITING.has(state.status) && replies > this.answered) {
        const body = await this.answers.answer(state);
        if (body !== undefined) this.deps.fake.addNote(this.deps.ticketId, { text: body });
        this.answered = replies;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return last;
  }
}
