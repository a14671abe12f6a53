import { changesTicket, type Effect, type EffectOf, guardedWrite, isLateUpdate, lateRemainder, type Mode, parseReply, type PlatformTraits, refusedWrite, replayedId, type WorkflowEvent, type WorkflowState } from '../../workflows/resync/index.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { TicketNotFound } from '../../integrations/ticketing/errors.js';
import type { Redis } from 'ioredis';
import { resyncRequestId, splitTicketKey, type Keys } from '../store/keys.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import type { RecentComments } from './recent-comments.js';
import type { TokensReadAhead } from './tokens-read-ahead.js';
import type { CodeVault } from '../assist/code-vault.js';

/** A tenant's platform, taken for one effect within the tenant's concurrency limit (see workers/tenants/platform-pool.ts). */
export interface PlatformLease {
  platform: TwoFactorPlatform;
  /** what keeps this tenant's counters apart from another's on the same kind of platform */
  scope: string;
  release(): void;
}

/** Effects carried out on the ticket system or by the worker itself: no platform call, no tenant's limit. */
const DESK_SIDE: ReadonlySet<Effect['type']> = new Set(['updateTicket', 'setTimer', 'replayComments']);

export interface ExecutorDeps {
  /** the platform of tickets without a tenant (the single-platform configuration) */
  platform: TwoFactorPlatform;
  /**
   * the platforms of the deployment's tenants (TENANTS_FILE): an effect that names a tenant goes to that tenant's
   * platform only. `lease` throws a typed error when the tenant has no platform (no longer configured) or is busy.
   */
  tenants?: { lease(tenant: string): Promise<PlatformLease> };
  ticketing: ReadonlyMap<string, TicketSystem>;
  /**
   * where a `setTimer` effect sets its timer: timers are kept by the commits (see WorkflowStore.commitBatch), so only
   * a setTimer an earlier version saved in the outbox comes here
   */
  timers: Pick<WorkflowStore, 'setTimer'>;
  /** counts successful resyncs per platform user and day across all tickets and workers */
  resyncLimit: { redis: Redis; keys: Keys; perUserPerDay: number };
  now?: () => number;
  /** reply texts the drain that committed a resync just read (see RecentComments); none: always read from the desk */
  recentComments?: RecentComments;
  /** token lists read beside a user's groups (see TokensReadAhead); none: tokens are read when asked for */
  tokensAhead?: TokensReadAhead;
  /**
   * where the codes of a resync the platform cannot do are held for an agent (workers/assist); none (no ADMIN_TOKEN):
   * such tickets go to an agent before the requester is asked for codes
   */
  assist?: { vault: Pick<CodeVault, 'hold'>; consoleSteps: (tokenType: string) => string; pageUrl: (linkId: string) => string };
  /**
   * puts comments a rebuilt workflow held back into the ticket's inbox again and has the ticket drained (see
   * workflows/resync/transition-rebuild.ts); none: such an effect fails, and the ticket goes to an agent
   */
  requeue?: (tk: string, events: WorkflowEvent[]) => Promise<void>;
  /**
   * the ticket's stored workflow state, read before a write its mode may hold for an agent (docs/modes.md): a shadow
   * ticket's platform writes and public replies, an approve-changes ticket's account changes, run only when they carry
   * out a proposal an agent applied; and before a ticket update from the middle of a round, which sends no more than
   * its note once the round ended (workflows/resync/late-update.ts). None: no such checks (tests of single effects)
   */
  states?: {
    of(tk: string): Promise<WorkflowState | undefined>;
    /**
     * the mode configured for a ticket whose state is gone (expired, or lost in a failover): its tenant's policy mode,
     * or for an effect that names no tenant the global one (with tenants: the strictest of all). A guarded write of
     * such a ticket runs only when this is live.
     */
    configuredMode(tenant: string | undefined): Mode;
  };
}

/** A write the ticket's mode holds for an agent, which no agent applied: refused, whatever the workflow asked. */
export class ModeWriteRefused extends Error {
  override readonly name = 'ModeWriteRefused';
  readonly retryable = false;
  readonly reason: string;
  /** stateless: the ticket had no stored state, so no apply could be proven */
  constructor(tk: string, why: string, stateless = false) {
    super(`refused for ${tk}: ${why}`);
    this.reason = stateless
      ? `${why}: its state expired or was lost (a Redis failover), so no agent's apply can be proven; nothing was written. Do the step by hand, or take the bot's tag off the ticket and add it again to start afresh (docs/modes.md)`
      : `${why}: the workflow asked for a write its mode keeps for an agent (a bug, or a state edited by hand); nothing was written. Apply the step with the mode's tag or note command, or do it by hand (docs/modes.md)`;
  }
}

/** The ticket asked to hold codes for an agent, but this worker has no code vault (ADMIN_TOKEN unset). */
export class AssistUnavailable extends Error {
  override readonly name = 'AssistUnavailable';
  readonly retryable = false;
  readonly reason = 'the one-time code page needs ADMIN_TOKEN (and PUBLIC_URL for its link) in every worker process: set them, then resync by hand';
  constructor() {
    super('no code vault in this worker');
  }
}

/** A rebuilt workflow asked to replay comments, but this worker was built without a way to requeue them. */
export class ReplayUnavailable extends Error {
  override readonly name = 'ReplayUnavailable';
  readonly retryable = false;
  readonly reason = 'this worker cannot put held-back comments back into the inbox (no requeue wired): hand the ticket to an agent';
  constructor() {
    super('no requeue in this executor');
  }
}

export interface EffectContext {
  tk: string;
  key: string;
  /** true when an earlier start of this effect may have acted (crash or time-out after the request went out) */
  retryAfterUnknownOutcome: boolean;
}

/** An effect names a tenant but this worker was started without a tenants file. */
export class TenantsUnavailable extends Error {
  override readonly name = 'TenantsUnavailable';
  readonly retryable = false;
  readonly reason: string;
  constructor(tenant: string) {
    super(`no tenants in this worker for tenant ${tenant}`);
    this.reason = `the ticket belongs to tenant '${tenant}' but this worker has no TENANTS_FILE: start every worker with the same tenants file`;
  }
}

export class UnknownTicketSystem extends Error {
  override readonly name = 'UnknownTicketSystem';
  readonly reason: string;
  readonly retryable = false;
  constructor(system: string) {
    super(`no adapter for ticket system ${system}`);
    this.reason = `ticket system '${system}' is not configured in this worker (TICKET_SYSTEM)`;
  }
}

/**
 * Carries out one effect through the integrations and returns its result event (none for updates and timers).
 * Every effect is safe to run twice: reads are reads, group adds are idempotent, ticket updates carry an
 * idempotency key, and a resync retried after an unknown outcome counts "already used" codes as its own success.
 */
export class EffectExecutor {
  private readonly now: () => number;

  constructor(private readonly deps: ExecutorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async run(effect: Effect, ctx: EffectContext): Promise<WorkflowEvent | undefined> {
    const state = this.stateIfNeeded(effect, ctx.tk);
    if (this.deps.states) {
      const stored = await state;
      const why = refusedWrite(stored, effect, this.deps.states.configuredMode(effect.tenant));
      if (why !== undefined) throw new ModeWriteRefused(ctx.tk, why, stored === undefined);
    }
    if (effect.type === 'updateTicket' && isLateUpdate(await state, effect)) {
      const rest = lateRemainder(effect);
      return rest ? this.runOn(this.defaultLease(), rest, ctx) : undefined;
    }
    const lease = await this.lease(effect);
    try {
      return await this.runOn(lease, effect, ctx);
    } finally {
      lease.release();
    }
  }

  /**
   * The ticket's stored state, read only for an effect a check needs it for: a write some mode guards (public replies,
   * platform writes: ModeWriteRefused unless it carries out an applied proposal), or a ticket update from the middle of
   * a round that changes what people see (late-update.ts). Notes, reads and timers cost no read.
   */
  private async stateIfNeeded(effect: Effect, tk: string): Promise<WorkflowState | undefined> {
    const states = this.deps.states;
    if (!states) return undefined;
    const guarded = guardedWrite('shadow', effect) !== undefined || guardedWrite('approve-changes', effect) !== undefined;
    const midRound = effect.type === 'updateTicket' && effect.ends !== true && changesTicket(effect);
    return guarded || midRound ? states.of(tk) : undefined;
  }

  private defaultLease(): PlatformLease {
    return { platform: this.deps.platform, scope: this.deps.platform.name, release: () => undefined };
  }

  /** The platform an effect goes to: its tenant's (a lease within the tenant's limit), or the single platform. */
  private async lease(effect: Effect): Promise<PlatformLease> {
    if (effect.tenant === undefined || DESK_SIDE.has(effect.type)) return this.defaultLease();
    if (!this.deps.tenants) throw new TenantsUnavailable(effect.tenant);
    return this.deps.tenants.lease(effect.tenant);
  }

  private async runOn(lease: PlatformLease, effect: Effect, ctx: EffectContext): Promise<WorkflowEvent | undefined> {
    const base = { id: `fx:${ctx.key}`, effectId: effect.id };
    const at = () => this.now();
    const { platform } = lease;
    switch (effect.type) {
      case 'locateUser':
        return { ...base, ...(await this.locate(effect, platform)), at: at() };
      case 'readGroups':
        this.deps.tokensAhead?.start(ctx.tk, effect.userId, () => platform.listTokens(effect.userId));
        return { type: 'groupsRead', ...base, groups: await platform.getGroups(effect.userId), at: at() };
      case 'addToGroup':
        await platform.addToGroup(effect.userId, effect.group);
        return { type: 'groupAdded', ...base, group: effect.group, at: at() };
      case 'readTokens': {
        const tokens = (await this.deps.tokensAhead?.take(ctx.tk, effect.userId)) ?? (await platform.listTokens(effect.userId));
        return { type: 'tokensRead', ...base, tokens, at: at() };
      }
      case 'startChallenge': {
        const { challenge } = await platform.startChallenge(effect.userId, effect.serial);
        return { type: 'challengeIssued', ...base, challenge, at: at() };
      }
      case 'resyncOtp': {
        ctx = this.rebuiltContext(effect, ctx);
        const request = resyncRequestId(ctx.tk, effect.commentId);
        if (await this.overResyncLimit(lease.scope, effect.userId, request, effect.maxResyncsPerUserPerDay)) return { type: 'resyncRejected', ...base, reason: 'resync_limit', at: at() };
        // A resync that is a login used its codes if the lost attempt reached the platform: sending them again would
        // count a failure toward the user's lock-out, so the requester is asked for fresh ones instead.
        if (ctx.retryAfterUnknownOutcome && platform.capabilities.resyncByAuthentication) return { type: 'resyncRejected', ...base, reason: 'outcome_unknown', at: at() };
        const text = await this.commentText(ctx.tk, effect.commentId);
        const parsed = parseReply(text, { kind: 'codes', codeLength: effect.codeLength });
        if (parsed.kind !== 'codes') return { type: 'resyncRejected', ...base, reason: 'reply_unusable', at: at() };
        const outcome = await platform.resyncOtp(effect.userId, effect.serial, parsed.codes[0], parsed.codes[1], { requestId: request });
        return this.resyncResult(base, outcome, ctx, lease.scope, effect.userId, request);
      }
      case 'resyncChallenge': {
        ctx = this.rebuiltContext(effect, ctx);
        const request = resyncRequestId(ctx.tk, effect.commentId);
        if (await this.overResyncLimit(lease.scope, effect.userId, request, effect.maxResyncsPerUserPerDay)) return { type: 'resyncRejected', ...base, reason: 'resync_limit', at: at() };
        const text = await this.commentText(ctx.tk, effect.commentId);
        const parsed = parseReply(text, { kind: 'response', codeLength: effect.codeLength });
        if (parsed.kind !== 'response') return { type: 'resyncRejected', ...base, reason: 'reply_unusable', at: at() };
        const outcome = await platform.resyncChallenge(effect.userId, effect.serial, effect.challenge, parsed.response);
        return this.resyncResult(base, outcome, ctx, lease.scope, effect.userId, request);
      }
      case 'holdCodes':
        return this.holdCodes(effect, ctx, base);
      case 'checkAuthLog': {
        const records = await platform.recentAuthentications(effect.userId, effect.since);
        const ok = records.filter((r) => r.success);
        const last = ok.reduce<number | undefined>((m, r) => (m === undefined || r.at > m ? r.at : m), undefined);
        return { type: 'authObserved', ...base, success: ok.length > 0, ...(last !== undefined ? { lastSuccessAt: last } : {}), at: at() };
      }
      case 'updateTicket': {
        const { system, ticketId } = splitTicketKey(ctx.tk);
        const { type: _t, id: _i, ...update } = effect;
        await this.ticketing(system).applyUpdate(ticketId, update, ctx.key);
        return undefined;
      }
      case 'setTimer': {
        await this.deps.timers.setTimer(ctx.tk, effect);
        return undefined;
      }
      case 'replayComments': {
        if (!this.deps.requeue) throw new ReplayUnavailable();
        // Ids of their own: the first ones were taken (and held back); the text is read from the ticket as usual.
        await this.deps.requeue(ctx.tk, effect.comments.map((c) => ({ ...c, id: replayedId(c.id), at: this.now() })));
        return undefined;
      }
    }
  }

  private async locate(effect: EffectOf<'locateUser'>, platform: TwoFactorPlatform): Promise<
    | { type: 'userLocated'; user: Awaited<ReturnType<TwoFactorPlatform['findUsers']>>[number]; matchedBy: 'email' | 'userName' | 'lastName'; platform: PlatformTraits }
    | { type: 'usersAmbiguous'; candidates: Awaited<ReturnType<TwoFactorPlatform['findUsers']>> }
    | { type: 'userNotFound'; tried: string[] }
  > {
    const { email, externalId, name } = effect.requester;
    const tried: string[] = [];
    // The runbook's order: email first, then the user id, then the last name.
    const attempts: Array<['email' | 'userName' | 'lastName', string | undefined]> = [
      ['email', email?.trim()],
      ['userName', externalId?.trim()],
      ['lastName', lastNameOf(name)],
    ];
    for (const [field, value] of attempts) {
      if (!value) continue;
      tried.push(`${field} "${value}"`);
      const users = await platform.findUsers({ [field]: value });
      if (users.length === 1 && users[0]) return { type: 'userLocated', user: users[0], matchedBy: field, platform: this.traits(platform) };
      if (users.length > 1) return { type: 'usersAmbiguous', candidates: users.slice(0, 10) };
    }
    return { type: 'userNotFound', tried };
  }

  /** What the workflow needs to know of the platform before it asks the end user for anything. */
  private traits(platform: TwoFactorPlatform): PlatformTraits {
    const { name, capabilities: c, consoleUrl } = platform;
    return {
      name,
      canAddToGroup: c.canAddToGroup,
      canResync: c.canResync,
      canChallenge: c.canChallenge,
      ...(consoleUrl ? { consoleUrl } : {}),
      ...(c.resyncTriesPerTicket !== undefined ? { resyncTriesPerTicket: c.resyncTriesPerTicket } : {}),
      ...(this.deps.assist ? { assist: true } : {}),
      ...(c.canReadAuthLog ? { authLog: true } : {}),
    };
  }

  /** Reads the codes from the requester's comment and holds them, encrypted for minutes, for the agent's one-time page. */
  private async holdCodes(effect: EffectOf<'holdCodes'>, ctx: EffectContext, base: { id: string; effectId: string }): Promise<WorkflowEvent> {
    const assist = this.deps.assist;
    if (!assist) throw new AssistUnavailable();
    const text = await this.commentText(ctx.tk, effect.commentId);
    const parsed = parseReply(text, { kind: 'codes', codeLength: effect.codeLength });
    if (parsed.kind !== 'codes') return { type: 'resyncRejected', ...base, reason: 'reply_unusable', at: this.now() };
    const { system, ticketId } = splitTicketKey(ctx.tk);
    const held = await assist.vault.hold(ctx.tk, {
      codes: [...parsed.codes],
      userName: effect.userId,
      serial: effect.serial,
      tokenType: effect.tokenType,
      consoleSteps: assist.consoleSteps(effect.tokenType),
      ticket: `${system} ${ticketId}`,
    });
    return { type: 'codesHeld', ...base, url: assist.pageUrl(held.linkId), expiresAt: held.expiresAt, at: this.now() };
  }

  /**
   * A resync of a workflow rebuilt from the ticket counts as a retry after an unknown outcome: the lost workflow may
   * have sent these very codes, and "already used" then means they worked.
   */
  private rebuiltContext(effect: EffectOf<'resyncOtp' | 'resyncChallenge'>, ctx: EffectContext): EffectContext {
    return effect.rebuilt === true ? { ...ctx, retryAfterUnknownOutcome: true } : ctx;
  }

  private async resyncResult(
    base: { id: string; effectId: string },
    outcome: Awaited<ReturnType<TwoFactorPlatform['resyncOtp']>>,
    ctx: EffectContext,
    scope: string,
    userId: string,
    request: string,
  ): Promise<WorkflowEvent> {
    // Our own earlier start used these codes before its answer was lost: the token is in sync.
    const ok = outcome.ok || (outcome.reason === 'codes_already_used' && ctx.retryAfterUnknownOutcome);
    if (!ok) return { type: 'resyncRejected', ...base, reason: outcome.reason, at: this.now() };
    await this.countResync(scope, userId, request);
    return { type: 'resyncSucceeded', ...base, ...(outcome.ok && outcome.alreadyInSync ? { alreadyInSync: true } : {}), at: this.now() };
  }

  /**
   * Abuse guard: the resyncs of one platform user per UTC day, across tickets and workers. Only resyncs whose codes
   * matched count (countResync after success): whoever spoofs the user's address cannot use up their allowance with
   * wrong codes. A resync request (a ticket's comment: see resyncRequestId) that already counted is not over the
   * limit, however often it is sent again (a retried effect, or a workflow that went back or was rebuilt).
   */
  private async overResyncLimit(scope: string, userId: string, request: string, perUserPerDay: number | undefined): Promise<boolean> {
    const key = this.resyncDayKey(scope, userId);
    const res = await this.deps.resyncLimit.redis.multi().sismember(key, request).scard(key).exec();
    const member = Number(res?.[0]?.[1] ?? 0);
    const count = Number(res?.[1]?.[1] ?? 0);
    return member !== 1 && count >= (perUserPerDay ?? this.deps.resyncLimit.perUserPerDay);
  }

  /** Counts a successful resync (once per request, however often it is sent) toward the user's daily limit. */
  private async countResync(scope: string, userId: string, request: string): Promise<void> {
    const key = this.resyncDayKey(scope, userId);
    await this.deps.resyncLimit.redis.multi().sadd(key, request).expire(key, 2 * 86_400).exec();
  }

  private resyncDayKey(scope: string, userId: string): string {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    return this.deps.resyncLimit.keys.resyncsOfDay(scope, userId, day);
  }

  private async commentText(tk: string, commentId: string): Promise<string> {
    const kept = this.deps.recentComments?.take(tk, commentId);
    if (kept !== undefined) return kept;
    const { system, ticketId } = splitTicketKey(tk);
    try {
      return (await this.ticketing(system).getComment(ticketId, commentId)).body;
    } catch (err) {
      if (err instanceof TicketNotFound) return '';
      throw err;
    }
  }

  private ticketing(system: string): TicketSystem {
    const t = this.deps.ticketing.get(system);
    if (!t) throw new UnknownTicketSystem(system);
    return t;
  }
}

function lastNameOf(name: string | undefined): string | undefined {
  const parts = name?.trim().split(/\s+/).filter(Boolean) ?? [];
  return parts.length >= 2 ? parts[parts.length - 1] : undefined;
}
