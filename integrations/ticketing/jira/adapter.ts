import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { FIRST_MESSAGE_MAX, normaliseLocale, type ActorRole, type EventOf, type TicketSnapshot } from '../../../workflows/resync/index.js';
import { secretMatches } from '../../shared/hmac-signature.js';
import { InvalidWebhook, TicketNotFound } from '../errors.js';
import { escalationTargetOf } from '../escalation-target.js';
import type { StoredEvent, TicketComment, TicketEvents, TicketSummary, TicketSystem, TicketUpdate, WebhookRequest } from '../ticket-system.js';
import { refuseUnlessFresh } from '../webhook-freshness.js';
import { JiraAccountLimiter } from './account-limiter.js';
import { adfPlainText } from './adf-text.js';
import { JiraClient, SYSTEM } from './client.js';
import { botPast, othersWithAnswered } from '../bot-trail.js';
import { commentMarker, hasMarker, markersIn, roundFields, roundMarkIn, withMarker, type CommentPart } from './comment-marker.js';
import type { JiraConfig } from './config.js';
import { JiraRequestRefused, JiraRequestWithoutReporter, JiraTransitionUnavailable } from './jira-errors.js';
import { AdminWebhookSchema, AutomationWebhookSchema, parseJiraTime, type AdminWebhook, type JiraIssue, type JiraStatus, type JiraTransition, type JsmComment } from './schemas.js';
import { isAt, pickTransition, targetOf, ticketStatusOf, type StatusTarget } from './status-map.js';
import { isUnwatchedJiraEvent, labelChange } from './watch-filter.js';
import { AUTOMATION_SECRET_HEADER, HUB_SIGNATURE_HEADER, hubSignatureMatches } from './webhook-signature.js';
import { plainWikiText } from './wiki-text.js';

export interface JiraAdapterOptions {
  config: JiraConfig;
  redis: Redis;
  /** REDIS_PREFIX: the limiter and the update-attempt records live under it */
  prefix: string;
  /** the limiter's window (default one minute: JIRA_RATE_LIMIT_PER_MIN is per minute) */
  rateWindowMs?: number;
  /** the longest a request waits for the shared limit here (default 10 s) */
  maxRateWaitMs?: number;
  retryBaseDelayMs?: number;
  /**
   * a signed webhook whose `timestamp` is older than this is refused (default 35 min): Jira retries a failed delivery
   * for up to about 30 minutes with the body it first signed, so a shorter window would refuse Jira's own retries
   */
  maxWebhookAgeMs?: number;
  /** the longest the intake's calls wait for the shared pause or budget (default 2 s) */
  webhookMaxRateWaitMs?: number;
  now?: () => number;
}

const ATTEMPT_TTL_S = 7 * 86_400;
const HELD_COMMENTS = { max: 10_000, ttl: 5 * 60_000 };
const KNOWN = { max: 10_000 };
/** a requester who changes their language in their profile is read again after this long */
const LOCALES = { max: 10_000, ttl: 60 * 60_000 };

/** What this process last saw of an issue: only saves reads, never decides alone (see moveTo). */
interface IssueFacts {
  reporterId: string | undefined;
  /** carries the watch label (as of the last read or webhook) */
  watched: boolean;
  status: JiraStatus;
  /** `<project id>:<issue type id>`: issues that share a workflow share their transitions */
  workflowKey: string;
}

/**
 * Jira Service Management (Cloud) behind the `TicketSystem` interface. Comments are read and written through the JSM
 * API, whose `public` flag is the customer's view; the issue (labels, status, reporter), its transitions and the
 * search through the platform API. Webhooks notify; the bot's own changes are recognised by its account and marker.
 */
export class JiraAdapter implements TicketSystem {
  readonly name = SYSTEM;
  /** `updated` is to the millisecond: a small margin for the time Jira takes to index a change */
  readonly pollSettleMs = 2_000;
  /** an issue_created webhook and an Automation request name the issue only: their events are read from the API */
  readonly webhookEventsCallApi = true;
  readonly pollIntervalS: number;
  readonly limiter: JiraAccountLimiter;
  private readonly client: JiraClient;
  private readonly config: JiraConfig;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly maxWebhookAgeMs: number;
  private readonly webhookMaxRateWaitMs: number;
  private bot: Promise<string> | undefined;
  private projectKey: Promise<string> | undefined;
  private readonly facts = new LRUCache<string, IssueFacts>(KNOWN);
  /** `<workflowKey>:<status id>` → the transitions seen from that status */
  private readonly transitionsFrom = new LRUCache<string, JiraTransition[]>(KNOWN);
  /** account id → role of a person who is not the request's reporter */
  private readonly roles = new LRUCache<string, ActorRole>(KNOWN);
  /** reporter's account id → their locale ('' for none): one user read per requester, not per request */
  private readonly locales = new LRUCache<string, string>(LOCALES);
  /** comments a verified webhook carried, in this process's memory only (they may hold codes), for minutes */
  private readonly fromWebhooks = new LRUCache<string, TicketComment>(HELD_COMMENTS);

  constructor(opts: JiraAdapterOptions) {
    this.config = opts.config;
    this.pollIntervalS = opts.config.pollIntervalS;
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.maxWebhookAgeMs = opts.maxWebhookAgeMs ?? 35 * 60_000;
    this.webhookMaxRateWaitMs = opts.webhookMaxRateWaitMs ?? 2_000;
    this.limiter = new JiraAccountLimiter({
      redis: opts.redis,
      prefix: opts.prefix,
      account: opts.config.baseUrl,
      perWindow: opts.config.rateLimitPerMin,
      ...(opts.rateWindowMs !== undefined ? { windowMs: opts.rateWindowMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxWaitMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.client = new JiraClient({
      baseUrl: opts.config.baseUrl,
      credentials: opts.config.credentials,
      limiter: this.limiter,
      timeoutMs: opts.config.timeoutMs,
      retries: opts.config.retries,
      ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
      ...(opts.maxRateWaitMs !== undefined ? { maxRetryAfterMs: opts.maxRateWaitMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  async getTicket(key: string): Promise<TicketSnapshot & { updatedAt: number }> {
    const issue = await this.readIssue(key);
    return { ...(await this.snapshot(issue)), updatedAt: parseJiraTime(issue.fields.updated) };
  }

  async listComments(key: string): Promise<TicketComment[]> {
    return this.commentsOf(key, await this.reporterOf(key));
  }

  /** The comment as the webhook that announced it carried it, when this process took it; else from the JSM list. */
  async getComment(key: string, commentId: string): Promise<TicketComment> {
    const held = this.fromWebhooks.get(heldKey(key, commentId));
    if (held) return held;
    const comment = (await this.commentsOf(key, await this.reporterOf(key))).find((c) => c.id === commentId);
    if (!comment) throw new TicketNotFound(SYSTEM, `${key} (comment ${commentId})`);
    return comment;
  }

  /**
   * One step: the internal note and the public reply as JSM comments (each with its marker), the label operations and
   * the escalation assignee in one edit, then the status through a transition read from Jira. A key seen before means
   * an earlier try may have posted: the request's comments are searched for the markers first.
   */
  async applyUpdate(key: string, update: TicketUpdate, idempotencyKey: string): Promise<void> {
    const comments: Array<{ part: CommentPart; body: string; public: boolean }> = [];
    if (update.internalNote) comments.push({ part: 'note', body: update.internalNote, public: false });
    if (update.publicReply) comments.push({ part: 'reply', body: update.publicReply, public: true });
    const assignee = update.escalate ? (update.escalateTo !== undefined ? escalationTargetOf(SYSTEM, update.escalateTo) : this.config.escalationAssignee) : undefined;
    const edit = { addLabels: update.addTags, removeLabels: update.removeTags, ...(assignee !== undefined ? { assigneeAccountId: assignee } : {}) };
    const editing = edit.addLabels.length > 0 || edit.removeLabels.length > 0 || assignee !== undefined;
    if (comments.length === 0 && !editing && update.status === undefined) return;

    let posted = new Set<string>();
    if (comments.length > 0) {
      const attemptKey = `${this.prefix}:jira:attempted:${createHash('sha256').update(`${key}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const first = await this.redis.set(attemptKey, '1', 'EX', ATTEMPT_TTL_S, 'NX');
      if (first === null) posted = await this.markersOn(key);
    }
    for (const c of comments) {
      if (posted.has(commentMarker(idempotencyKey, c.part))) continue;
      await this.postAsBot(key, withMarker(plainWikiText(c.body), idempotencyKey, c.part, update.ends), c.public);
    }
    if (editing) await this.client.edit(key, edit);
    if (update.status !== undefined) await this.moveTo(key, targetOf(update.status, this.config.statusNames));
  }

  /**
   * Moves the request to the target status through one of its transitions, never a hard-coded id. The transitions
   * from the status this process last saw are reused for issues of the same workflow; when Jira refuses (the status
   * moved meanwhile, a condition differs) the issue and its transitions are read once more and the choice is made again.
   */
  private async moveTo(key: string, target: StatusTarget): Promise<void> {
    const known = this.facts.get(key);
    const cached = known && !isAt(known.status, target) ? this.transitionsFrom.get(`${known.workflowKey}:${known.status.id}`) : undefined;
    const choice = cached ? pickTransition(cached, target) : undefined;
    if (known && choice) {
      try {
        await this.client.transition(key, choice.id);
        this.facts.set(key, { ...known, status: choice.to });
        return;
      } catch (err) {
        if (!(err instanceof JiraRequestRefused && err.status === 400)) throw err;
      }
    }
    const issue = await this.client.issue(key, { transitions: true });
    const facts = this.remember(issue);
    if (isAt(issue.fields.status, target)) return;
    const transitions = issue.transitions ?? (await this.client.transitions(key));
    const fresh = pickTransition(transitions, target);
    if (!fresh) throw new JiraTransitionUnavailable(key, target.name, target.variable, transitions.map((t) => t.to.name));
    await this.client.transition(key, fresh.id);
    this.facts.set(key, { ...facts, status: fresh.to });
  }

  /**
   * A hash of the signed body: Jira's retries send the same bytes, so a replay (or a retry of a delivery already
   * taken) is refused; the X-Atlassian-Webhook-Identifier header is not covered by the signature, so it is not
   * trusted. None for a webhook about an issue that is not the bot's (no Redis write per webhook of the whole site)
   * or for an Automation request (it names the issue only: a replay re-reads the issue and changes nothing).
   */
  webhookDeliveryId(req: WebhookRequest): string | undefined {
    const body = jsonOf(req);
    if (typeof body !== 'object' || body === null || typeof (body as { webhookEvent?: unknown }).webhookEvent !== 'string') return undefined;
    if (isUnwatchedJiraEvent(body, this.config.watchLabel, this.config.requestTypeId !== undefined)) return undefined;
    return `body:${createHash('sha256').update(req.rawBody).digest('hex').slice(0, 40)}`;
  }

  verifyWebhook(req: WebhookRequest, now: number): void {
    const signature = header(req, HUB_SIGNATURE_HEADER);
    const secret = header(req, AUTOMATION_SECRET_HEADER);
    if (signature !== undefined) {
      if (!hubSignatureMatches(this.config.webhookSecret, req.rawBody, signature)) {
        throw new InvalidWebhook('bad_signature', "X-Hub-Signature does not match the body: check JIRA_WEBHOOK_SECRET is the webhook's secret", 401);
      }
    } else if (secret !== undefined) {
      if (!secretMatches(this.config.webhookSecret, secret)) {
        throw new InvalidWebhook('bad_signature', 'X-Twofa-Desk-Secret is not JIRA_WEBHOOK_SECRET: check the Automation rule\'s header', 401);
      }
      return;
    } else {
      throw new InvalidWebhook('missing_signature', 'send X-Hub-Signature (save the Jira webhook with a secret) or, from an Automation rule, X-Twofa-Desk-Secret', 401);
    }
    const body = jsonOf(req);
    const timestamp = typeof body === 'object' && body !== null ? (body as { timestamp?: unknown }).timestamp : undefined;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw new InvalidWebhook('stale_timestamp', 'the signed body has no numeric "timestamp"', 401);
    refuseUnlessFresh(timestamp, now, this.maxWebhookAgeMs, { verb: 'made', clock: 'the clocks' });
  }

  eventsFromWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    return this.limiter.withMaxWait(this.webhookMaxRateWaitMs, () => this.eventsOfWebhook(req, now));
  }

  private async eventsOfWebhook(req: WebhookRequest, now: number): Promise<TicketEvents[]> {
    const json = jsonOf(req);
    if (json === undefined) throw new InvalidWebhook('bad_json', 'the body is not JSON', 400);
    if (isUnwatchedJiraEvent(json, this.config.watchLabel, this.config.requestTypeId !== undefined)) return [];
    const automation = AutomationWebhookSchema.safeParse(json);
    if (automation.success) {
      const key = automation.data.issue_key;
      const events = await this.eventsOrNone(key, now);
      return events.length > 0 ? [{ ticketId: key, events }] : [];
    }
    if (typeof json !== 'object' || json === null || typeof (json as { webhookEvent?: unknown }).webhookEvent !== 'string') {
      throw new InvalidWebhook('bad_shape', 'neither a Jira webhook (webhookEvent) nor the Automation body {"twofa_desk": "automation", "issue_key": …}', 400);
    }
    const parsed = AdminWebhookSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidWebhook('bad_shape', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 400);
    }
    const e = parsed.data;
    const key = e.issue.key;
    this.learn(e);
    let events: StoredEvent[];
    switch (e.webhookEvent) {
      case 'jira:issue_created':
        events = await this.taggedFromApi(key, now);
        break;
      case 'jira:issue_updated':
        events = await this.eventsOfUpdate(e, now);
        break;
      case 'comment_created':
        events = await this.eventsOfComment(e, now);
        break;
      default:
        events = [];
    }
    return events.length > 0 ? [{ ticketId: key, events }] : [];
  }

  async listWatchedTickets(): Promise<TicketSummary[]> {
    const found = await this.client.search(await this.watchJql());
    return found.map((t) => ({ id: t.key, updatedAt: parseJiraTime(t.updated) }));
  }

  /**
   * The watched requests not done, of the service desk's project. No `updated >= …` clause: JQL reads such a time to
   * the minute in the API user's time zone, while the poller compares each issue's own `updated` (to the ms) with its
   * last look, which needs neither.
   */
  async watchJql(): Promise<string> {
    return `project = "${await this.project()}" AND labels = "${this.config.watchLabel}" AND statusCategory != Done`;
  }

  async eventsFromTicket(key: string, now: number): Promise<StoredEvent[]> {
    const issue = await this.readIssue(key);
    const comments = await this.commentsOf(key, issue.fields.reporter?.accountId);
    const events: StoredEvent[] = [];
    if (this.watched(issue)) events.push(tagged(await this.snapshot(issue), now, botPast(comments)));
    for (const { comment, answered } of othersWithAnswered(comments)) events.push({ ...commentAdded(key, comment, now), ...(answered ? { answered } : {}) });
    return events;
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async eventsOfUpdate(e: AdminWebhook, now: number): Promise<StoredEvent[]> {
    const key = e.issue.key;
    const items = e.changelog?.items ?? [];
    const labels = items.find((i) => i.field === 'labels' || i.fieldId === 'labels');
    const status = items.find((i) => i.field === 'status' || i.fieldId === 'status');
    if (!labels && !status) return [];
    const byRole = await this.actorRole(e.user?.accountId, e.user?.accountType, this.facts.get(key)?.reporterId ?? e.issue.fields?.reporter?.accountId);
    if (byRole === 'bot') return [];
    const changeId = e.changelog?.id ?? String(e.timestamp);
    const events: StoredEvent[] = [];
    if (labels) {
      const { added, removed } = labelChange(labels.fromString, labels.toString);
      let issue: JiraIssue;
      try {
        issue = await this.readIssue(key);
      } catch (err) {
        if (err instanceof TicketNotFound) return [];
        throw err;
      }
      const current = issue.fields.labels.map((l) => l.toLowerCase());
      if (added.includes(this.config.watchLabel) && this.watched(issue)) events.push(...(await this.taggedLater(issue, byRole, changeId, now)));
      events.push({ type: 'tagsChanged', id: `${SYSTEM}:${key}:labels:${changeId}`, at: now, tags: current, added, removed, byRole });
    }
    if (status) {
      const current = e.issue.fields?.status ?? (await this.readIssue(key)).fields.status;
      events.push({ type: 'statusChanged', id: `${SYSTEM}:${key}:status:${changeId}`, at: now, status: ticketStatusOf(current, this.config.statusNames), byRole });
    }
    return events;
  }

  /**
   * A comment from what the signed webhook carries (author, `jsdPublic`, text) without an API call; from the JSM
   * comment list when a field is missing (a project that is not a service desk sends no `jsdPublic`).
   */
  private async eventsOfComment(e: AdminWebhook, now: number): Promise<StoredEvent[]> {
    const key = e.issue.key;
    const comment = e.comment;
    if (!comment) return [];
    // A comment webhook carries no labels: whether the issue is the bot's is known from a read (once per process).
    let facts = this.facts.get(key);
    if (!facts) {
      try {
        facts = this.remember(await this.client.issue(key, { transitions: true }));
      } catch (err) {
        if (err instanceof TicketNotFound) return [];
        throw err;
      }
    }
    if (!facts.watched) return [];
    if (comment.body !== undefined && comment.author && comment.jsdPublic !== undefined) {
      const reporterId = facts.reporterId;
      // only a marked comment can be the bot's: a reply costs no read of the API user
      if (hasMarker(comment.body) && comment.author.accountId === (await this.botId())) return [];
      const authorRole = await this.roleOf(comment.author.accountId, comment.author.accountType, comment.jsdPublic, reporterId);
      const c: TicketComment = { id: comment.id, authorId: comment.author.accountId, authorRole, public: comment.jsdPublic, body: comment.body, createdAt: now };
      if (authorRole !== 'end-user') this.fromWebhooks.set(heldKey(key, c.id), c);
      return [commentAdded(key, c, now)];
    }
    let comments: TicketComment[];
    try {
      comments = await this.commentsOf(key, facts.reporterId);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    const c = comments.find((x) => x.id === comment.id);
    return c && c.authorRole !== 'bot' ? [commentAdded(key, c, now)] : [];
  }

  /** The watch label added to an existing request: earlier comments first, then the tagging (a deliberate (re)open). */
  private async taggedLater(issue: JiraIssue, byRole: ActorRole, changeId: string, now: number): Promise<StoredEvent[]> {
    const comments = await this.commentsOf(issue.key, issue.fields.reporter?.accountId);
    const reopen = byRole === 'agent' || byRole === 'system';
    const past = { botCommented: comments.some((c) => c.authorRole === 'bot'), ...(reopen ? { watchTagAdded: true } : {}) };
    const earlier = comments.filter((c) => c.authorRole !== 'bot').map((c) => commentAdded(issue.key, c, now));
    return [...earlier, tagged(await this.snapshot(issue), now, past, reopen ? changeId : undefined)];
  }

  /**
   * A new request as it is now. One of the configured request type (JIRA_REQUEST_TYPE_ID) without the label gets it,
   * so that the label stays the one contract of the poller, the webhooks and the workflow.
   */
  private async taggedFromApi(key: string, now: number): Promise<StoredEvent[]> {
    let issue: JiraIssue;
    try {
      issue = await this.readIssue(key);
      if (!this.watched(issue) && this.config.requestTypeId !== undefined) {
        const request = await this.client.request(key);
        if (request.requestTypeId !== this.config.requestTypeId) return [];
        await this.client.edit(key, { addLabels: [this.config.watchLabel], removeLabels: [] });
        issue = { ...issue, fields: { ...issue.fields, labels: [...issue.fields.labels, this.config.watchLabel] } };
      }
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
    return this.watched(issue) ? [tagged(await this.snapshot(issue), now)] : [];
  }

  private async eventsOrNone(key: string, now: number): Promise<StoredEvent[]> {
    try {
      return await this.eventsFromTicket(key, now);
    } catch (err) {
      if (err instanceof TicketNotFound) return [];
      throw err;
    }
  }

  private watched(issue: JiraIssue): boolean {
    return issue.fields.labels.some((l) => l.toLowerCase() === this.config.watchLabel);
  }

  /**
   * The requester as Jira records the reporter: the account's email where the profile shows it, else the email the
   * service desk holds for its customer, and their profile's locale. Never anything the requester typed into the
   * request: the description rides along for its language only.
   */
  private async snapshot(issue: JiraIssue): Promise<TicketSnapshot> {
    const reporter = issue.fields.reporter;
    if (!reporter) throw new JiraRequestWithoutReporter(issue.key);
    let email = reporter.emailAddress ?? undefined;
    let name = reporter.displayName;
    if (!email) {
      const request = await this.client.request(issue.key);
      email = request.reporter.emailAddress ?? undefined;
      name ??= request.reporter.displayName;
    }
    const locale = await this.localeOf(reporter.accountId);
    const description = issue.fields.description ? adfPlainText(issue.fields.description, FIRST_MESSAGE_MAX) : '';
    return {
      system: SYSTEM,
      id: issue.key,
      subject: issue.fields.summary ?? '',
      ...(description ? { description } : {}),
      status: ticketStatusOf(issue.fields.status, this.config.statusNames),
      tags: issue.fields.labels.map((l) => l.toLowerCase()),
      requester: { id: reporter.accountId, ...(name ? { name } : {}), ...(email ? { email } : {}), ...(locale !== undefined ? { locale } : {}) },
    };
  }

  /**
   * The reporter's locale: the issue's `reporter` (UserDetails) has none, so their user record is read, once per
   * account for LOCALES.ttl. A refusal (an account Jira no longer shows, a site that denies the bot "Browse users and
   * groups") costs the hint, not the request; a failure that a retry may cure stops the read of the request, to be
   * tried again, rather than answer in the wrong language for good.
   */
  private async localeOf(accountId: string): Promise<string | undefined> {
    const known = this.locales.get(accountId);
    if (known !== undefined) return known || undefined;
    let locale: string | undefined;
    try {
      locale = normaliseLocale((await this.client.user(accountId)).locale);
    } catch (err) {
      if (!(err instanceof JiraRequestRefused)) throw err;
    }
    this.locales.set(accountId, locale ?? '');
    return locale;
  }

  private async readIssue(key: string): Promise<JiraIssue> {
    const issue = await this.client.issue(key, { transitions: true });
    this.remember(issue);
    return issue;
  }

  private remember(issue: JiraIssue): IssueFacts {
    const facts: IssueFacts = {
      reporterId: issue.fields.reporter?.accountId,
      watched: this.watched(issue),
      status: issue.fields.status,
      workflowKey: `${issue.fields.project.id}:${issue.fields.issuetype?.id ?? '-'}`,
    };
    this.facts.set(issue.key, facts);
    if (issue.transitions) this.transitionsFrom.set(`${facts.workflowKey}:${facts.status.id}`, issue.transitions);
    return facts;
  }

  /**
   * What a webhook tells about a known issue: its status now (JSM moves a request when its customer comments) and,
   * when the body has them, whether its labels carry the watch label.
   */
  private learn(e: AdminWebhook): void {
    const known = this.facts.get(e.issue.key);
    if (!known) return;
    const { status, labels } = e.issue.fields ?? {};
    const watched = labels ? labels.some((l) => l.toLowerCase() === this.config.watchLabel) : known.watched;
    this.facts.set(e.issue.key, { ...known, watched, ...(status ? { status } : {}) });
  }

  private async reporterOf(key: string): Promise<string | undefined> {
    const known = this.facts.get(key);
    if (known) return known.reporterId;
    return (await this.readIssue(key)).fields.reporter?.accountId;
  }

  /** The request's comments, public and internal, with who wrote them relative to it (oldest first). */
  private async commentsOf(key: string, reporterId: string | undefined): Promise<TicketComment[]> {
    const list = await this.client.comments(key);
    const bot = list.some((c) => hasMarker(c.body)) ? await this.botId() : undefined;
    const out: TicketComment[] = [];
    for (const c of list) {
      const role: ActorRole = c.author.accountId === bot && hasMarker(c.body) ? 'bot' : await this.roleOf(c.author.accountId, undefined, c.public, reporterId);
      out.push(toComment(c, role));
    }
    return out;
  }

  /**
   * The reporter is the requester; an internal comment is an agent's (customers cannot write one); otherwise the
   * account's type says: a customer (a request participant) is an end user, an app (Automation) is the system.
   */
  private async roleOf(accountId: string, accountType: string | undefined, isPublic: boolean, reporterId: string | undefined): Promise<ActorRole> {
    if (accountId === reporterId) return 'requester';
    if (!isPublic) return 'agent';
    return this.accountRole(accountId, accountType);
  }

  private async accountRole(accountId: string, accountType: string | undefined): Promise<ActorRole> {
    const known = this.roles.get(accountId) ?? roleOfType(accountType);
    if (known) return known;
    const role = roleOfType((await this.client.user(accountId)).accountType) ?? 'agent';
    this.roles.set(accountId, role);
    return role;
  }

  /** Who made a change: the bot, the reporter, or by the account's type; none: Jira itself. */
  private async actorRole(accountId: string | undefined, accountType: string | undefined, reporterId: string | undefined): Promise<ActorRole> {
    if (accountId === undefined) return 'system';
    if (accountId === (await this.botId())) return 'bot';
    if (accountId === reporterId) return 'requester';
    return this.accountRole(accountId, accountType);
  }

  /**
   * Posts a comment. The author of what the bot writes is the bot: while its account is not known yet, it is the answer
   * to this post (the webhook of the comment, which may come first, waits for it), so no read of the API user is needed.
   */
  private postAsBot(key: string, body: string, isPublic: boolean): Promise<JsmComment> {
    const post = this.client.addComment(key, body, isPublic);
    if (this.bot === undefined) {
      const bot: Promise<string> = post.then(
        (c) => c.author.accountId,
        (err: unknown) => {
          // a failed post tells nothing: whoever waited tries again (the next botId() reads the API user)
          if (this.bot === bot) this.bot = undefined;
          throw err;
        },
      );
      bot.catch(() => undefined);
      this.bot = bot;
    }
    return post;
  }

  /** The API user's account id: from the first comment the bot posted, else read once (a failed read is tried again). */
  private botId(): Promise<string> {
    this.bot ??= this.client.myself().then(
      (u) => u.accountId,
      (err: unknown) => {
        this.bot = undefined;
        throw err;
      },
    );
    return this.bot;
  }

  private project(): Promise<string> {
    this.projectKey ??= this.client.serviceDesk(this.config.serviceDeskId).then(
      (d) => d.projectKey,
      (err: unknown) => {
        this.projectKey = undefined;
        throw err;
      },
    );
    return this.projectKey;
  }

  private async markersOn(key: string): Promise<Set<string>> {
    const bot = await this.botId();
    const found = new Set<string>();
    for (const c of await this.client.comments(key)) {
      if (c.author.accountId === bot) for (const m of markersIn(c.body)) found.add(m);
    }
    return found;
  }
}

function roleOfType(accountType: string | undefined): ActorRole | undefined {
  if (accountType === 'customer') return 'end-user';
  if (accountType === 'app') return 'system';
  if (accountType === 'atlassian') return 'agent';
  return undefined;
}

/** A bot comment says where in a round it was written (its marker's flag). */
function toComment(c: JsmComment, authorRole: ActorRole): TicketComment {
  const round = authorRole === 'bot' ? roundFields(roundMarkIn(c.body)) : {};
  return { id: c.id, authorId: c.author.accountId, authorRole, public: c.public, body: c.body, createdAt: c.created.epochMillis, ...round };
}

function jsonOf(req: WebhookRequest): unknown {
  try {
    return JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
}

function heldKey(key: string, commentId: string): string {
  return `${key}\u0000${commentId}`;
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** One id per request; a deliberate re-open (the label added again) adds the id of its change. */
function tagged(ticket: TicketSnapshot, now: number, past?: EventOf<'ticketTagged'>['past'], reopenId?: string): EventOf<'ticketTagged'> {
  const id = `${SYSTEM}:${ticket.id}:tagged${reopenId !== undefined ? `:${reopenId}` : ''}`;
  return { type: 'ticketTagged', id, at: now, ticket, ...(past ? { past } : {}) };
}

function commentAdded(key: string, c: TicketComment, now: number): EventOf<'commentAdded'> {
  return { type: 'commentAdded', id: `${SYSTEM}:${key}:comment:${c.id}`, at: now, commentId: c.id, authorId: c.authorId, authorRole: c.authorRole, public: c.public };
}
