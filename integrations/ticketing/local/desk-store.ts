import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LocaleSchema, type TicketStatus } from '../../../workflows/resync/index.js';
import { luaScript, type LuaScript } from '../../shared/lua-script.js';
import { TicketNotFound } from '../errors.js';
import type { TicketSummary, TicketUpdate } from '../ticket-system.js';
import {
  BOT_AUTHOR_ID,
  BotUpdateResultSchema,
  CommentIdSchema,
  DeskCommentSchema,
  DeskOrganizationSchema,
  type DeskOrganization,
  DeskTicketSchema,
  TicketIdSchema,
  type BotUpdateResult,
  type CreateTicketInput,
  type DeskChange,
  type DeskComment,
  type DeskRole,
  type DeskTicket,
  type DeskUser,
  type TicketWithComments,
} from './schemas.js';

/**
 * Told of every saved write: its changes, of one ticket, in the order made. `notify` must return at once and never
 * throw: it runs after the write is final.
 */
export interface DeskNotifier {
  notify(changes: DeskChange[]): void;
  close?(): Promise<void>;
}

export interface DeskStoreOptions {
  redis: Redis;
  /** every key starts with this (e.g. `td:desk`); a `{hash tag}` in it keeps the desk on one Cluster slot */
  prefix: string;
  /** none: changes are saved but nobody is told */
  notifier?: DeskNotifier | undefined;
  /** the group a bot escalation assigns the ticket to (default `Service Desk L2`) */
  escalationGroup?: string;
  /**
   * announce the bot's own changes too (default true). The app turns it off: the bot makes no event of them, and a
   * hosted desk's triggers leave them out the same way (Zendesk: "current user is not the bot"); 10 of a happy
   * path's 15 webhooks were the bot's own.
   */
  notifyBotChanges?: boolean;
  now?: () => number;
}

export interface NewComment {
  authorId: string;
  authorRole: DeskRole;
  public: boolean;
  body: string;
}

export interface ListTicketsFilter {
  tag?: string | undefined;
  unsolvedOnly?: boolean | undefined;
}

const SYSTEM = 'local';
const UNSOLVED: ReadonlySet<TicketStatus> = new Set(['new', 'open', 'pending', 'hold']);
/** Zendesk: a requester's public reply reopens a solved ticket and answers a pending one (closed stays closed). */
const REOPENED_BY_REQUESTER: ReadonlySet<TicketStatus> = new Set(['solved', 'pending']);
/** Optimistic writes retry on a concurrent change; this many conflicts in a row means something is wrong. */
const MAX_CONFLICTS = 50;

const COMMIT = luaScript('lua/commit-ticket.lua', import.meta.url);
const USER_ID = luaScript('lua/user-of-email.lua', import.meta.url);
const SET_EXTERNAL_ID = luaScript('lua/set-external-id.lua', import.meta.url);

const CommitReplySchema = z.tuple([z.number(), z.string()]);
const UserReplySchema = z.tuple([z.string().min(1), z.string(), z.string(), z.string()]);

interface Plan<R> {
  ticket: DeskTicket;
  comments: DeskComment[];
  changes: DeskChange[];
  result: R;
}

type Outcome<R> = { kind: 'saved'; result: R } | { kind: 'replayed'; record: string };

/**
 * The embedded desk's tickets and comments in Redis. Every write is one conditional Lua call, so concurrent
 * writers (several intake processes) never lose each other's changes, and a bot update with an idempotency key
 * already seen changes nothing and answers what the first call answered.
 *
 * A write waits for two round trips: a new ticket takes its id and its requester's id, a change reads the ticket
 * and takes the comment ids it will need; then the Lua call saves it. More only on a conflict, or once after Redis
 * lost its scripts (NOSCRIPT, then EVAL).
 */
export class DeskStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly notifier: DeskNotifier | undefined;
  private readonly escalationGroup: string;
  private readonly notifyBotChanges: boolean;
  private readonly now: () => number;

  constructor(opts: DeskStoreOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.notifier = opts.notifier;
    this.escalationGroup = opts.escalationGroup ?? 'Service Desk L2';
    this.notifyBotChanges = opts.notifyBotChanges ?? true;
    this.now = opts.now ?? Date.now;
  }

  async createTicket(input: CreateTicketInput): Promise<DeskTicket> {
    const [id, requester] = await Promise.all([this.redis.incr(this.key('seq:ticket')).then(String), this.user(input.requester.email)]);
    const { organization, locale } = requester;
    const at = this.now();
    const ticket: DeskTicket = {
      id,
      subject: input.subject,
      description: input.description,
      requester: {
        id: requester.id,
        email: input.requester.email,
        name: input.requester.name,
        ...(requester.externalId !== undefined ? { externalId: requester.externalId } : {}),
        ...(organization ? { organization } : {}),
        ...(locale !== undefined ? { locale } : {}),
      },
      tags: unique(input.tags),
      status: 'new',
      createdAt: at,
      updatedAt: at,
    };
    const { description: _description, ...announced } = ticket;
    const plan: Plan<DeskTicket> = { ticket, comments: [], changes: [{ type: 'ticket.created', ticketId: id, at, ticket: announced }], result: ticket };
    const outcome = await this.commit(0, undefined, plan, undefined);
    if (outcome?.kind !== 'saved') throw new Error(`desk ticket id ${id} was taken: the ${this.key('seq:ticket')} counter went backwards`);
    return ticket;
  }

  async getTicket(ticketId: string): Promise<DeskTicket | undefined> {
    if (!TicketIdSchema.safeParse(ticketId).success) return undefined;
    const data = await this.redis.hget(this.ticketKey(ticketId), 'data');
    return data === null ? undefined : this.withUserRecord(parseTicket(data));
  }

  /** One snapshot: the ticket and its comments read in one transaction. */
  async getTicketWithComments(ticketId: string): Promise<TicketWithComments | undefined> {
    if (!TicketIdSchema.safeParse(ticketId).success) return undefined;
    const replies = await this.redis.multi().hget(this.ticketKey(ticketId), 'data').zrange(this.commentsKey(ticketId), 0, -1).exec();
    const data = replyValue(replies, 0);
    if (typeof data !== 'string') return undefined;
    return { ...(await this.withUserRecord(parseTicket(data))), comments: parseComments(replyValue(replies, 1)) };
  }

  /**
   * An agent's record of who a desk user is on the 2FA platform (Zendesk: a user's `external_id`, set by an admin).
   * The user is created for the email if the desk does not know it yet; `null` clears the external id.
   */
  async setUserExternalId(email: string, externalId: string | null): Promise<{ user: DeskUser } | { takenBy: string }> {
    const { id } = await this.user(email);
    const owner = z.string().parse(await this.script(SET_EXTERNAL_ID, [this.externalIdsKey(), this.key('user-external-id-owners')], [id, externalId ?? '']));
    if (owner !== '') return { takenBy: owner };
    return { user: { id, email, ...(externalId !== null ? { externalId } : {}) } };
  }

  /** An agent's record of the customer (company) a desk user belongs to; `null` clears it. */
  async setUserOrganization(email: string, organization: DeskOrganization | null): Promise<void> {
    const { id } = await this.user(email);
    if (organization === null) await this.redis.hdel(this.organizationsKey(), id);
    else await this.redis.hset(this.organizationsKey(), id, JSON.stringify(DeskOrganizationSchema.parse(organization)));
  }

  /** An agent's record of the language a desk user reads (a BCP-47 tag, as Zendesk's user locale); `null` clears it. */
  async setUserLocale(email: string, locale: string | null): Promise<void> {
    const { id } = await this.user(email);
    if (locale === null) await this.redis.hdel(this.localesKey(), id);
    else await this.redis.hset(this.localesKey(), id, LocaleSchema.parse(locale));
  }

  /** The desk user with this email as agents recorded them (created if the desk does not know the email yet). */
  async userRecord(email: string): Promise<DeskUser> {
    const { id, externalId, organization, locale } = await this.user(email);
    return { id, email, ...(externalId !== undefined ? { externalId } : {}), ...(organization ? { organization } : {}), ...(locale !== undefined ? { locale } : {}) };
  }

  async listComments(ticketId: string): Promise<DeskComment[]> {
    const found = await this.getTicketWithComments(ticketId);
    if (!found) throw new TicketNotFound(SYSTEM, ticketId);
    return found.comments;
  }

  async getComment(ticketId: string, commentId: string): Promise<DeskComment | undefined> {
    if (!TicketIdSchema.safeParse(ticketId).success || !CommentIdSchema.safeParse(commentId).success) return undefined;
    const [raw] = await this.redis.zrange(this.commentsKey(ticketId), commentId, commentId, 'BYSCORE');
    return raw === undefined ? undefined : DeskCommentSchema.parse(JSON.parse(raw));
  }

  async listTickets(filter: ListTicketsFilter = {}): Promise<TicketSummary[]> {
    const tag = filter.tag?.toLowerCase();
    let ids: string[];
    if (tag !== undefined && filter.unsolvedOnly) ids = await this.redis.sinter(this.tagKey(tag), this.key('unsolved'));
    else if (tag !== undefined) ids = await this.redis.smembers(this.tagKey(tag));
    else if (filter.unsolvedOnly) ids = await this.redis.smembers(this.key('unsolved'));
    else ids = await this.redis.zrange(this.key('tickets'), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.zscore(this.key('tickets'), id);
    const scores = (await pipeline.exec()) ?? [];
    const summaries: TicketSummary[] = [];
    ids.forEach((id, i) => {
      const score = replyValue(scores, i);
      if (typeof score === 'string') summaries.push({ id, updatedAt: Number(score) });
    });
    return summaries.sort((a, b) => Number(a.id) - Number(b.id));
  }

  async addComment(ticketId: string, input: NewComment): Promise<DeskComment> {
    const outcome = await this.update(ticketId, undefined, 1, (current, at, [id]) => {
      // End users cannot write internal notes, whatever the caller asked.
      const isPublic = input.authorRole === 'requester' || input.authorRole === 'end-user' ? true : input.public;
      const comment = DeskCommentSchema.parse({ id, ticketId, authorId: input.authorId, authorRole: input.authorRole, public: isPublic, body: input.body, createdAt: at });
      const changes: DeskChange[] = [commentCreated(comment, at)];
      let status = current.status;
      if (comment.authorRole === 'requester' && comment.public && REOPENED_BY_REQUESTER.has(current.status)) {
        status = 'open';
        changes.push({ type: 'ticket.status_changed', ticketId, at, status, byRole: 'requester' });
      }
      return { ticket: { ...current, status, updatedAt: at }, comments: [comment], changes, result: comment };
    });
    if (outcome.kind !== 'saved') throw new Error('a comment without idempotency key cannot be a replay');
    return outcome.result;
  }

  async setTags(ticketId: string, tags: string[], byRole: DeskRole): Promise<DeskTicket> {
    return this.changeTags(ticketId, () => unique(tags), byRole);
  }

  async addTags(ticketId: string, tags: string[], byRole: DeskRole): Promise<DeskTicket> {
    return this.changeTags(ticketId, (current) => unique([...current, ...tags]), byRole);
  }

  async removeTags(ticketId: string, tags: string[], byRole: DeskRole): Promise<DeskTicket> {
    const gone = new Set(tags);
    return this.changeTags(ticketId, (current) => current.filter((t) => !gone.has(t)), byRole);
  }

  /** Adds, then removes (a tag in both ends up removed, as Zendesk's additional_tags/remove_tags). */
  async editTags(ticketId: string, add: string[], remove: string[], byRole: DeskRole): Promise<DeskTicket> {
    const gone = new Set(remove);
    return this.changeTags(ticketId, (current) => unique([...current, ...add]).filter((t) => !gone.has(t)), byRole);
  }

  async setStatus(ticketId: string, status: TicketStatus, byRole: DeskRole): Promise<DeskTicket> {
    return this.ticketOnly(ticketId, (current, at) => {
      if (current.status === status) return { ticket: current, changes: [] };
      return { ticket: { ...current, status, updatedAt: at }, changes: [{ type: 'ticket.status_changed', ticketId, at, status, byRole }] };
    });
  }

  async assign(ticketId: string, group: string, byRole: DeskRole): Promise<DeskTicket> {
    return this.ticketOnly(ticketId, (current, at) => {
      if (current.assigneeGroup === group) return { ticket: current, changes: [] };
      return { ticket: { ...current, assigneeGroup: group, updatedAt: at }, changes: [{ type: 'ticket.assigned', ticketId, at, group, byRole }] };
    });
  }

  /**
   * One workflow step as one write: public reply, internal note, tags, status and escalation together, all by
   * the bot. The key is recorded with the write, so a retry after an unknown outcome cannot post twice.
   */
  async applyBotUpdate(ticketId: string, update: TicketUpdate, idempotencyKey: string): Promise<BotUpdateResult> {
    const texts = [
      ...(update.publicReply ? [{ public: true, body: update.publicReply }] : []),
      ...(update.internalNote ? [{ public: false, body: update.internalNote }] : []),
    ];
    const outcome = await this.update(ticketId, idempotencyKey, texts.length, (current, at, ids) => {
      const comments = texts.map((t, i) =>
        DeskCommentSchema.parse({ id: ids[i], ticketId, authorId: BOT_AUTHOR_ID, authorRole: 'bot', public: t.public, body: t.body, createdAt: at, idempotencyKey, round: update.ends ? 'end' : 'mid' }),
      );
      const changes: DeskChange[] = comments.map((c) => commentCreated(c, at));
      const gone = new Set(update.removeTags);
      const tags = unique([...current.tags, ...update.addTags]).filter((t) => !gone.has(t));
      const tagChange = tagsChange(ticketId, at, current.tags, tags, 'bot');
      if (tagChange) changes.push(tagChange);
      const status = update.status ?? current.status;
      if (status !== current.status) changes.push({ type: 'ticket.status_changed', ticketId, at, status, byRole: 'bot' });
      const assigneeGroup = update.escalate ? (update.escalateTo ?? this.escalationGroup) : current.assigneeGroup;
      if (assigneeGroup !== undefined && assigneeGroup !== current.assigneeGroup) changes.push({ type: 'ticket.assigned', ticketId, at, group: assigneeGroup, byRole: 'bot' });
      const touched = changes.length > 0;
      const ticket: DeskTicket = {
        ...current,
        tags,
        status,
        ...(assigneeGroup !== undefined ? { assigneeGroup } : {}),
        updatedAt: touched ? at : current.updatedAt,
      };
      const reply = comments.find((c) => c.public);
      const note = comments.find((c) => !c.public);
      const result: BotUpdateResult = {
        ticketId,
        idempotencyKey,
        ...(reply ? { publicCommentId: reply.id } : {}),
        ...(note ? { noteCommentId: note.id } : {}),
        status,
        tags,
        ...(assigneeGroup !== undefined ? { assigneeGroup } : {}),
      };
      return { ticket, comments, changes, result };
    });
    return outcome.kind === 'saved' ? outcome.result : BotUpdateResultSchema.parse(JSON.parse(outcome.record));
  }

  async close(): Promise<void> {
    await this.notifier?.close?.();
  }

  private async changeTags(ticketId: string, next: (current: string[]) => string[], byRole: DeskRole): Promise<DeskTicket> {
    return this.ticketOnly(ticketId, (current, at) => {
      const tags = next(current.tags);
      const change = tagsChange(ticketId, at, current.tags, tags, byRole);
      if (!change) return { ticket: current, changes: [] };
      return { ticket: { ...current, tags, updatedAt: at }, changes: [change] };
    });
  }

  private async ticketOnly(ticketId: string, build: (current: DeskTicket, at: number) => { ticket: DeskTicket; changes: DeskChange[] }): Promise<DeskTicket> {
    const outcome = await this.update(ticketId, undefined, 0, (current, at) => {
      const { ticket, changes } = build(current, at);
      return { ticket, comments: [], changes, result: ticket };
    });
    if (outcome.kind !== 'saved') throw new Error('a change without idempotency key cannot be a replay');
    return this.withUserRecord(outcome.result);
  }

  /** The ticket with its requester's external id as the user record has it now (a saved ticket holds none). */
  private async withUserRecord(ticket: DeskTicket): Promise<DeskTicket> {
    const [externalId, organization, locale] = await Promise.all([
      this.redis.hget(this.externalIdsKey(), ticket.requester.id),
      this.organizationOf(ticket.requester.id),
      this.localeOf(ticket.requester.id),
    ]);
    const { externalId: _stored, organization: _org, locale: _locale, ...requester } = ticket.requester;
    return {
      ...ticket,
      requester: { ...requester, ...(externalId !== null ? { externalId } : {}), ...(organization ? { organization } : {}), ...(locale !== undefined ? { locale } : {}) },
    };
  }

  /**
   * Read, compute, write if unchanged; on a concurrent change compute again from the newer ticket. `build` gets
   * `commentCount` fresh comment ids, ascending.
   */
  private async update<R>(
    ticketId: string,
    idempotencyKey: string | undefined,
    commentCount: number,
    build: (current: DeskTicket, at: number, commentIds: string[]) => Plan<R>,
  ): Promise<Outcome<R>> {
    if (!TicketIdSchema.safeParse(ticketId).success) throw new TicketNotFound(SYSTEM, ticketId);
    // Taken once, with the first read, and kept on a retry: nobody else was given them. A write that is not saved
    // (a replayed key, a ticket not found) leaves them unused, a gap in the comment sequence, which is harmless.
    let taken: Promise<string[]> | undefined;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      // Two reads, not a MULTI: the commit checks the version and the idempotency record again, so they need not be
      // taken at one instant; sent in the same tick as the comment ids, all leave in one write on an auto-pipelined
      // connection.
      const [[version, data], record, ids] = await Promise.all([
        this.redis.hmget(this.ticketKey(ticketId), 'v', 'data'),
        idempotencyKey !== undefined ? this.redis.hget(this.botUpdatesKey(ticketId), idempotencyKey) : null,
        (taken ??= this.commentIds(commentCount)),
      ]);
      if (!data) throw new TicketNotFound(SYSTEM, ticketId);
      if (typeof record === 'string') return { kind: 'replayed', record };
      const current = parseTicket(data);
      // Strictly increasing per ticket: a poller that saw updatedAt T must notice a second change in the same ms.
      const at = Math.max(this.now(), current.updatedAt + 1);
      const plan = build(current, at, ids);
      if (plan.changes.length === 0 && idempotencyKey === undefined) return { kind: 'saved', result: plan.result };
      const outcome = await this.commit(Number(version ?? '0'), current, plan, idempotencyKey);
      if (outcome) return outcome;
    }
    throw new Error(`desk ticket ${ticketId} kept changing under ${MAX_CONFLICTS} attempts to update it`);
  }

  /** undefined: the ticket changed since it was read. */
  private async commit<R>(version: number, before: DeskTicket | undefined, plan: Plan<R>, idempotencyKey: string | undefined): Promise<Outcome<R> | undefined> {
    const { ticket } = plan;
    const old = new Set(before?.tags ?? []);
    const now = new Set(ticket.tags);
    const gained = ticket.tags.filter((t) => !old.has(t));
    const lost = [...old].filter((t) => !now.has(t));
    const keys = [
      this.ticketKey(ticket.id),
      this.commentsKey(ticket.id),
      this.botUpdatesKey(ticket.id),
      this.key('tickets'),
      this.key('unsolved'),
      ...gained.map((t) => this.tagKey(t)),
      ...lost.map((t) => this.tagKey(t)),
    ];
    const args = [
      String(version),
      JSON.stringify(DeskTicketSchema.parse(withoutExternalId(ticket))),
      ticket.id,
      String(ticket.updatedAt),
      UNSOLVED.has(ticket.status) ? '1' : '0',
      idempotencyKey ?? '',
      idempotencyKey !== undefined ? JSON.stringify(plan.result) : '',
      String(gained.length),
      String(plan.comments.length),
      ...plan.comments.flatMap((c) => [c.id, JSON.stringify(c)]),
    ];
    const [code, record] = CommitReplySchema.parse(await this.script(COMMIT, keys, args));
    if (code === 0) return undefined;
    if (code === 2) return { kind: 'replayed', record };
    const told = plan.changes.filter((change) => this.notifyBotChanges || !byBot(change));
    if (told.length > 0) this.notifier?.notify(told);
    return { kind: 'saved', result: plan.result };
  }

  private async script(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  private async commentIds(n: number): Promise<string[]> {
    if (n === 0) return [];
    const last = await this.redis.incrby(this.key('seq:comment'), n);
    return Array.from({ length: n }, (_, i) => String(last - n + 1 + i));
  }

  /** One id per email, as a desk knows its end users (the first ticket of a person creates it), with its external id. */
  private async user(email: string): Promise<{ id: string; externalId?: string; organization?: DeskOrganization; locale?: string }> {
    const [id, externalId, organization, locale] = UserReplySchema.parse(
      await this.script(USER_ID, [this.key('users'), this.key('seq:user'), this.externalIdsKey(), this.organizationsKey(), this.localesKey()], [email]),
    );
    const org = organization !== '' ? parseOrganization(organization) : undefined;
    const tag = locale !== '' && LocaleSchema.safeParse(locale).success ? locale : undefined;
    return { id, ...(externalId !== '' ? { externalId } : {}), ...(org ? { organization: org } : {}), ...(tag !== undefined ? { locale: tag } : {}) };
  }

  private async organizationOf(userId: string): Promise<DeskOrganization | undefined> {
    const raw = await this.redis.hget(this.organizationsKey(), userId);
    return raw === null ? undefined : parseOrganization(raw);
  }

  /** The user's locale as an agent set it; a value that is not one (an older or hand-edited key) counts as none. */
  private async localeOf(userId: string): Promise<string | undefined> {
    const raw = await this.redis.hget(this.localesKey(), userId);
    return raw === null ? undefined : LocaleSchema.safeParse(raw).data;
  }

  private localesKey(): string {
    return this.key('user-locales');
  }

  private organizationsKey(): string {
    return this.key('user-organizations');
  }

  private externalIdsKey(): string {
    return this.key('user-external-ids');
  }

  private key(suffix: string): string {
    return `${this.prefix}:${suffix}`;
  }

  private ticketKey(id: string): string {
    return this.key(`ticket:${id}`);
  }

  private commentsKey(id: string): string {
    return this.key(`ticket:${id}:comments`);
  }

  private botUpdatesKey(id: string): string {
    return this.key(`ticket:${id}:bot-updates`);
  }

  private tagKey(tag: string): string {
    return this.key(`tag:${tag}`);
  }
}

/**
 * A saved ticket without any external id: tickets saved by earlier versions carry the one their creator claimed,
 * which vouches for nothing. Readers get the user record's (withUserRecord).
 */
function parseTicket(data: string): DeskTicket {
  return withoutExternalId(DeskTicketSchema.parse(JSON.parse(data)));
}

function withoutExternalId(ticket: DeskTicket): DeskTicket {
  const { externalId: _claimed, ...requester } = ticket.requester;
  return { ...ticket, requester };
}

function parseComments(raw: unknown): DeskComment[] {
  return z
    .array(z.string())
    .parse(raw ?? [])
    .map((c) => DeskCommentSchema.parse(JSON.parse(c)));
}

/** A MULTI/pipeline reply, with the command's own error thrown rather than read as a value. */
function replyValue(replies: [error: Error | null, result: unknown][] | null, index: number): unknown {
  const entry = replies?.[index];
  if (!entry) throw new Error('redis transaction was aborted');
  if (entry[0]) throw entry[0];
  return entry[1];
}

function unique(tags: string[]): string[] {
  return [...new Set(tags)];
}

function commentCreated(comment: DeskComment, at: number): DeskChange {
  return { type: 'comment.created', ticketId: comment.ticketId, at, commentId: comment.id, authorId: comment.authorId, authorRole: comment.authorRole, public: comment.public };
}

function tagsChange(ticketId: string, at: number, before: string[], after: string[], byRole: DeskRole): DeskChange | undefined {
  const old = new Set(before);
  const now = new Set(after);
  const added = after.filter((t) => !old.has(t));
  const removed = before.filter((t) => !now.has(t));
  if (added.length === 0 && removed.length === 0) return undefined;
  return { type: 'ticket.tags_changed', ticketId, at, tags: after, added, removed, byRole };
}

function byBot(change: DeskChange): boolean {
  return ('authorRole' in change && change.authorRole === 'bot') || ('byRole' in change && change.byRole === 'bot');
}

/** A user's organization as stored (JSON); unreadable: none (an agent sets it again). */
function parseOrganization(raw: string): DeskOrganization | undefined {
  try {
    const parsed = DeskOrganizationSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
