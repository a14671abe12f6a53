import { type Effect, type EffectOf, EffectSchema, firstMessageExcerpt, maskCodes, TERMINAL_STATES, type WorkflowEvent, type WorkflowState, WorkflowStateSchema } from '../../workflows/resync/index.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { luaScript } from '../../integrations/shared/lua-script.js';
import { effectKey, Keys } from './keys.js';
import { timerMember, type TimerRef } from './timer-set.js';

const DEDUPE_TTL_S = 30 * 24 * 3600;

const ACCEPT = luaScript('lua/accept-events.lua', import.meta.url);
const LOAD = luaScript('lua/load-batch.lua', import.meta.url);
const COMMIT = luaScript('lua/commit-batch.lua', import.meta.url);
const TAKE_DUE = luaScript('lua/take-due-timers.lua', import.meta.url);
const DROP_TAKEN = luaScript('lua/drop-taken-timer.lua', import.meta.url);
const COMPLETE = luaScript('lua/complete-effect.lua', import.meta.url);
const CLEAN = luaScript('lua/clean-if-empty.lua', import.meta.url);

export const EffectRecordSchema = z.object({ tk: z.string(), effect: EffectSchema, savedAt: z.number() });
export type EffectRecord = z.infer<typeof EffectRecordSchema>;

export interface LoadedTicket {
  version: number;
  state: WorkflowState | undefined;
  /** the raw JSON of the oldest unapplied event, exactly as stored (the commit checks it is still the head) */
  head: string | undefined;
}

/** What a drain works on: the state with its version and the oldest events of the inbox, as stored. */
export interface LoadedBatch {
  version: number;
  state: WorkflowState | undefined;
  /** raw JSON of the oldest unapplied events, exactly as stored (the commit checks they are still the head) */
  heads: string[];
}

/** The result of a batch commit: the new version and the next inbox events (empty: the ticket was cleaned). */
export interface CommittedBatch {
  version: number;
  next: string[];
}

export class CommitConflict extends Error {
  override readonly name = 'CommitConflict';
  readonly reason = 'another worker applied an event to this ticket first; the event is applied again on the new state';
}

/**
 * A commit that was to complete effects its worker ran found one of them completed already (its lease ran out and a
 * job ran it too): nothing was saved; the worker completes its effects one by one instead, where a second completion
 * is dropped.
 */
export class EffectCompletedElsewhere extends Error {
  override readonly name = 'EffectCompletedElsewhere';
  readonly reason = 'an effect this worker ran was completed by another worker first; its result is applied once, from the inbox';
}

interface StoreCommands {
  tdAcceptWatched(...args: (string | number)[]): Promise<number[] | ['replayed']>;
  tdLoad(...args: (string | number)[]): Promise<string[]>;
  tdCommitTimers(...args: (string | number)[]): Promise<(number | string)[]>;
  tdTakeDueTimers(...args: (string | number)[]): Promise<string[]>;
  tdDropTakenTimer(...args: (string | number)[]): Promise<number>;
  tdComplete(...args: (string | number)[]): Promise<number>;
  tdClean(...args: (string | number)[]): Promise<number>;
}

/** Timers are kept by the commit in the timers set; every other effect is run (outbox, then inline or a job). */
export function isTimer(effect: Pick<Effect, 'type'>): boolean {
  return effect.type === 'setTimer';
}

/** The workflow's durable storage: per-ticket state with a version, an ordered inbox, and an effect outbox. */
export class WorkflowStore {
  readonly keys: Keys;
  private readonly r: Redis & StoreCommands;

  /**
   * `retentionMs`: how long the workflow of a ticket that ended (resolved, timed out, escalated, handed off) is kept
   * after its last change; 0 keeps it for good. A new round (the requester writes again) keeps it again.
   */
  constructor(
    redis: Redis,
    prefix: string,
    private readonly retentionMs = 0,
  ) {
    this.keys = new Keys(prefix);
    const r = redis as Redis & Partial<StoreCommands>;
    // A new name when the commit's arguments change: a connection shared with an older store keeps both apart.
    if (!r.tdAcceptWatched) {
      redis.defineCommand('tdAcceptWatched', { lua: ACCEPT.lua });
      redis.defineCommand('tdLoad', { numberOfKeys: 3, lua: LOAD.lua });
      redis.defineCommand('tdCommitTimers', { lua: COMMIT.lua });
      redis.defineCommand('tdTakeDueTimers', { numberOfKeys: 1, lua: TAKE_DUE.lua });
      redis.defineCommand('tdDropTakenTimer', { numberOfKeys: 1, lua: DROP_TAKEN.lua });
      redis.defineCommand('tdComplete', { lua: COMPLETE.lua });
      redis.defineCommand('tdClean', { lua: CLEAN.lua });
    }
    this.r = redis as Redis & StoreCommands;
  }

  get redis(): Redis {
    return this.r;
  }

  /**
   * Appends events (never holding comment text) to the ticket's inbox; returns how many were new. `watchedOnly`: as
   * for `accept`, nothing is written for a ticket that is not the bot's.
   */
  async append(tk: string, events: WorkflowEvent[], opts: { watchedOnly?: boolean } = {}): Promise<number> {
    if (events.length === 0) return 0;
    const added = await this.accept([{ tk, events }], opts);
    return added === 'replayed' ? 0 : (added[0] ?? 0);
  }

  /**
   * Takes a delivery's events for one or more tickets in one step (see lua/accept-events.lua); returns how many were
   * new per ticket, in order. `requestDrains`: ask the worker processes to drain the tickets that got new events (a
   * process that runs no workers; see drain-requests.ts). `delivery`: recorded as taken in the same step; 'replayed'
   * (and nothing stored) when it was recorded before. `watchedOnly`: a ticket with no workflow, no inbox and no
   * ticketTagged among its events is not the bot's, and nothing of it is written: what the intake and the poller
   * take, so that the tickets the bot does not watch cost nothing in Redis.
   */
  async accept(
    batches: ReadonlyArray<{ tk: string; events: WorkflowEvent[] }>,
    opts: { requestDrains?: boolean; delivery?: { key: string; ttlS: number }; now?: number; watchedOnly?: boolean } = {},
  ): Promise<number[] | 'replayed'> {
    if (batches.length === 0 && (!opts.delivery || opts.watchedOnly)) return [];
    const keys = [this.keys.dirty, opts.requestDrains ? this.keys.drainRequests : this.keys.dirty, opts.delivery?.key ?? this.keys.dirty];
    const args: (string | number)[] = [DEDUPE_TTL_S, opts.delivery?.ttlS ?? 0, opts.now ?? Date.now(), batches.length, opts.watchedOnly ? 1 : 0];
    for (const { tk, events } of batches) {
      keys.push(this.keys.workflow(tk), this.keys.inbox(tk), ...events.map((e) => this.keys.seen(e.id)));
      args.push(tk, events.some((e) => e.type === 'ticketTagged') ? 1 : 0, events.length, ...events.map((e) => JSON.stringify(stripText(e))));
    }
    const added = await this.r.tdAcceptWatched(keys.length, ...keys, ...args);
    return added[0] === 'replayed' ? 'replayed' : (added as number[]);
  }

  async load(tk: string): Promise<LoadedTicket> {
    const { version, state, heads } = await this.loadBatch(tk, 1);
    return { version, state, head: heads[0] };
  }

  /**
   * The state, its version and the oldest `max` inbox events, in one round trip. `wakeKey`: a key deleted in the same
   * step, before the inbox is read (the drain's deduplication key, see Queues.drain).
   */
  async loadBatch(tk: string, max: number, wakeKey?: string): Promise<LoadedBatch> {
    const wf = this.keys.workflow(tk);
    const [v, s, ...heads] = await this.r.tdLoad(wf, this.keys.inbox(tk), wakeKey || wf, max);
    // Parsed once per drain (not once per event): the schema also fills defaults for states saved by older versions.
    const state = s ? WorkflowStateSchema.parse(JSON.parse(s)) : undefined;
    return { version: Number(v ?? 0), state, heads };
  }

  async getState(tk: string): Promise<{ version: number; state: WorkflowState | undefined }> {
    const { version, state } = await this.loadBatch(tk, 0);
    return { version, state };
  }

  /** Saves the transition computed from `head`; throws CommitConflict when another worker got there first. */
  async commit(tk: string, expectedVersion: number, state: WorkflowState | undefined, head: string, effects: Effect[], now: number): Promise<number> {
    return (await this.commitBatch(tk, expectedVersion, state, [head], effects, now, 0)).version;
  }

  /**
   * Saves the transitions computed from `heads` (the oldest inbox events, in order) in one step and returns the
   * next `nextMax` inbox events; throws CommitConflict when another worker applied an event first. `leaseMs`: the
   * effects are run by this worker, and the sweeper leaves them alone for that long (see EffectRunner.runInline).
   * `completed`: keys of effects this worker ran whose results are among the transitions saved (instead of going
   * through the inbox); throws EffectCompletedElsewhere when one was no longer in the outbox. Timers among the
   * effects go to the timers set, not the outbox (see `isTimer`); `mootTimers` are taken out of it.
   */
  async commitBatch(
    tk: string,
    expectedVersion: number,
    state: WorkflowState | undefined,
    heads: string[],
    effects: Effect[],
    now: number,
    nextMax: number,
    leaseMs = 0,
    completed: string[] = [],
    mootTimers: TimerRef[] = [],
  ): Promise<CommittedBatch> {
    const keys = [this.keys.workflow(tk), this.keys.inbox(tk), this.keys.dirty, this.keys.outbox, this.keys.timers];
    for (const key of completed) keys.push(this.keys.effect(key), this.keys.effectTries(key));
    const ended = state !== undefined && (TERMINAL_STATES as readonly string[]).includes(state.status);
    const expireMs = ended && this.retentionMs > 0 ? this.retentionMs : 0;
    const timers = effects.filter((e): e is EffectOf<'setTimer'> => isTimer(e));
    const args: (string | number)[] = [expectedVersion, state ? JSON.stringify(state) : '', tk, heads.length, nextMax, now + leaseMs, expireMs, completed.length, timers.length, mootTimers.length, ...heads, ...completed];
    for (const t of timers) args.push(timerMember(tk, t), t.dueAt);
    for (const t of mootTimers) args.push(timerMember(tk, t));
    for (const e of effects) {
      if (isTimer(e)) continue;
      const key = effectKey(tk, e.id);
      const record: EffectRecord = { tk, effect: e, savedAt: now };
      keys.push(this.keys.effect(key));
      args.push(key, JSON.stringify(record));
    }
    const [res, ...next] = await this.r.tdCommitTimers(keys.length, ...keys, ...args);
    if (res === -3) throw new EffectCompletedElsewhere();
    if (typeof res !== 'number' || res < 0) throw new CommitConflict();
    return { version: res, next: next as string[] };
  }

  /** Sets a timer outside a commit (a setTimer effect saved by an earlier version, an operator's `ticket retry`). */
  async setTimer(tk: string, timer: EffectOf<'setTimer'>): Promise<void> {
    await this.r.zadd(this.keys.timers, timer.dueAt, timerMember(tk, timer));
  }

  /** When the ticket's timer is due; undefined when it is not in the timers set. */
  async timerDueAt(tk: string, timer: TimerRef): Promise<number | undefined> {
    const score = await this.r.zscore(this.keys.timers, timerMember(tk, timer));
    return score === null ? undefined : Number(score);
  }

  /**
   * Takes up to `limit` due timers for `leaseMs` (see lua/take-due-timers.lua): the members, the lease score to drop
   * them with, and when the next timer is due (undefined: none).
   */
  async takeDueTimers(now: number, limit: number, leaseMs: number): Promise<{ members: string[]; leaseScore: number; nextDueAt: number | undefined }> {
    const res = await this.r.tdTakeDueTimers(this.keys.timers, now, limit, leaseMs);
    const next = res.pop();
    return { members: res, leaseScore: now + leaseMs, nextDueAt: next === undefined || next === '' ? undefined : Number(next) };
  }

  /** Timers set and not yet fired, and how many of them are due at `now` (metrics). */
  async timerCounts(now: number): Promise<{ scheduled: number; due: number }> {
    const [scheduled, due] = await Promise.all([this.r.zcard(this.keys.timers), this.r.zcount(this.keys.timers, '-inf', now)]);
    return { scheduled, due };
  }

  /** Drops a taken timer once its event is in the inbox (unless it was set again meanwhile). */
  async dropTakenTimer(member: string, leaseScore: number): Promise<void> {
    await this.r.tdDropTakenTimer(this.keys.timers, member, leaseScore);
  }

  /**
   * Pushes the lease of effects a worker still runs itself (their outbox score) to `until`; effects completed in the
   * meantime are not brought back (ZADD XX).
   */
  async extendLease(effectKeys: string[], until: number): Promise<void> {
    if (effectKeys.length === 0) return;
    await this.r.zadd(this.keys.outbox, 'XX', ...effectKeys.flatMap((k) => [until, k]));
  }

  /** Moves an unreadable inbox head aside (kept for an operator) so the ticket's other events go on. */
  async quarantineHead(tk: string, head: string, why: string): Promise<void> {
    const res = await this.r
      .multi()
      .lrem(this.keys.inbox(tk), 1, head)
      .rpush(this.keys.deadLetters, JSON.stringify({ tk, why, head: head.slice(0, 2000) }))
      .ltrim(this.keys.deadLetters, -1000, -1)
      .exec();
    if (!res) throw new Error('redis MULTI aborted');
  }

  async getEffect(key: string): Promise<EffectRecord | undefined> {
    const raw = await this.r.get(this.keys.effect(key));
    return raw ? EffectRecordSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Counts a start of the effect; a count above 1 means an earlier start may have acted. */
  async markEffectStarted(key: string): Promise<number> {
    const k = this.keys.effectTries(key);
    const res = await this.r.multi().incr(k).expire(k, DEDUPE_TTL_S).exec();
    return Number(res?.[0]?.[1] ?? 1);
  }

  /** Completes an effect at most once and queues its result event; false when it was already completed. */
  async completeEffect(key: string, tk: string, result: WorkflowEvent | undefined): Promise<boolean> {
    const keys = [this.keys.effect(key), this.keys.outbox, this.keys.inbox(tk), this.keys.dirty, this.keys.seen(result?.id ?? `none:${key}`), this.keys.effectTries(key)];
    const res = await this.r.tdComplete(keys.length, ...keys, key, tk, result ? JSON.stringify(stripText(result)) : '', DEDUPE_TTL_S);
    return res === 1;
  }

  async cleanIfEmpty(tk: string): Promise<boolean> {
    return (await this.r.tdClean(2, this.keys.inbox(tk), this.keys.dirty, tk)) === 1;
  }

  /** Effects saved before `olderThan` and not completed: a worker crashed or a job was lost. */
  async staleEffects(olderThan: number, limit = 500): Promise<string[]> {
    return this.r.zrangebyscore(this.keys.outbox, '-inf', olderThan, 'LIMIT', 0, limit);
  }

  /** Effects of one ticket not yet completed (scans the outbox: for demos, tests and `ticket show`, not hot paths). */
  async pendingEffects(tk: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.r.zscan(this.keys.outbox, cursor, 'MATCH', `${tk}|*`, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) out.push(entries[i] as string);
    } while (cursor !== '0');
    return out;
  }

  async dirtyTickets(limit = 1000): Promise<string[]> {
    const [, members] = await this.r.sscan(this.keys.dirty, 0, 'COUNT', limit);
    return members;
  }
}

/**
 * What may be stored of an event: never a comment's text (it can hold codes), and a ticket's subject, first message
 * and requester name with code-length digit runs masked (a requester may type codes into any of them). The first
 * message stays, masked, until the drain reads the event: its words, not its digits, tell the reply language.
 */
function stripText(e: WorkflowEvent): WorkflowEvent {
  if (e.type === 'commentAdded' && e.text !== undefined) {
    const { text: _text, ...rest } = e;
    return rest;
  }
  if (e.type === 'ticketTagged') {
    const { subject, description, requester } = e.ticket;
    return {
      ...e,
      ticket: {
        ...e.ticket,
        subject: maskCodes(subject),
        ...(description !== undefined ? { description: maskCodes(firstMessageExcerpt(description)) } : {}),
        requester: requester.name === undefined ? requester : { ...requester, name: maskCodes(requester.name) },
      },
    };
  }
  return e;
}

