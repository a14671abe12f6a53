import { maskCodes } from '../../workflows/resync/sanitize.js';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { EffectSchema, type Effect, type EffectOf } from '../../workflows/resync/effects.js';
import { TERMINAL_STATES, WorkflowStateSchema, type WorkflowState } from '../../workflows/resync/state.js';
import type { WorkflowEvent } from '../../workflows/resync/events.js';
import { Keys } from './keys.js';
import { timerMember, type TimerRef } from './timer-set.js';

const DEDUPE_TTL_S = 30 * 24 * 3600;

/**
 * Accepts the events of one delivery in one step: appends each ticket's events to its inbox in arrival order, each
 * at most once (by event id), marks the tickets that got new events dirty, asks the worker processes to drain them
 * (when given the drain-requests key: a process without workers) and records the delivery as taken (when given its
 * key), so a delivery is either taken whole or not at all; a delivery recorded before changes nothing.
 * With watchedOnly, a ticket with no workflow and an empty inbox whose events hold no ticketTagged (an adapter makes
 * one only for a ticket that carries the watch tag: opens = 1) is not the bot's: nothing of it is written, not even
 * the seen keys, and a delivery of such tickets only is not recorded (a replay of it would write nothing either).
 * KEYS: dirty, drainRequests|dirty, delivery|dirty, then per ticket: wf, inbox, seen key per event (a key not given is
 * dirty again: '' would hash to another Redis Cluster slot than the prefix's hash tag, and the call fail with CROSSSLOT)
 * ARGV: dedupeTtlS, deliveryTtlS, now, tickets, watchedOnly (1|0), then per ticket: tk, opens (1|0), n, event JSON x n
 * Returns the number of new events per ticket, or {'replayed'}.
 */
const ACCEPT = `
if KEYS[3] ~= KEYS[1] and redis.call('EXISTS', KEYS[3]) == 1 then return {'replayed'} end
local ttl = tonumber(ARGV[1])
local watchedOnly = ARGV[5] == '1'
local k, a = 4, 6
local out = {}
local taken = 0
for b = 1, tonumber(ARGV[4]) do
  local wf, inbox = KEYS[k], KEYS[k + 1]
  local tk, opens, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  k, a = k + 2, a + 3
  local appended = 0
  if not watchedOnly or opens == '1' or redis.call('EXISTS', wf, inbox) > 0 then
    taken = taken + 1
    for i = 1, n do
      if redis.call('SET', KEYS[k + i - 1], '1', 'NX', 'EX', ttl) then
        redis.call('RPUSH', inbox, ARGV[a + i - 1])
        appended = appended + 1
      end
    end
    if appended > 0 then
      redis.call('SADD', KEYS[1], tk)
      if KEYS[2] ~= KEYS[1] then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], tk) end
    end
  end
  k, a = k + n, a + n
  out[b] = appended
end
if KEYS[3] ~= KEYS[1] and (taken > 0 or not watchedOnly) then redis.call('SET', KEYS[3], '1', 'EX', tonumber(ARGV[2])) end
return out
`;

/**
 * Reads what a drain needs in one round trip: the state with its version and the oldest `max` inbox events. When
 * given a wake key (the key that makes further drain requests wait for this drain), it is deleted first, in the
 * same step: any event appended after this read queues a drain of its own.
 * KEYS: wf, inbox, wake|wf (no wake key: wf again, as '' would be another Cluster slot)  ARGV: max
 */
const LOAD = `
if KEYS[3] ~= KEYS[1] then redis.call('DEL', KEYS[3]) end
local vs = redis.call('HMGET', KEYS[1], 'v', 's')
local out = {vs[1] or '0', vs[2] or ''}
local max = tonumber(ARGV[1])
if max > 0 then
  local heads = redis.call('LRANGE', KEYS[2], 0, max - 1)
  for i = 1, #heads do out[#out + 1] = heads[i] end
end
return out
`;

/**
 * Saves the transitions of a batch of inbox events: compare-and-set on the version, checks that the oldest n inbox
 * entries are exactly the events the batch was computed from and consumes them, saves the resulting state and
 * records every effect the batch asks for in the outbox, all in one step, so a crash at any line loses nothing and
 * no event applies twice. Timers are not effects to run: the commit puts them in the timers set itself (scored by
 * their due time) and takes out the ones the batch made moot. Then returns the new version and the next events (up
 * to nextMax), so that a drain does not read the inbox again; an inbox left empty drops the ticket from the dirty
 * set in the same step.
 * It may also complete effects the committing worker ran itself and whose results the batch applied (see
 * EventProcessor: a result folded into the commit instead of going through the inbox): each must still be in the
 * outbox (else another worker completed it, and its result is in the inbox already), and is removed with its start
 * counter in the same step.
 * KEYS: wf, inbox, dirty, outbox, timers, (fx, tries) per completed effect, fx per new effect
 * ARGV: expectedVersion, stateJson|'', tk, n, nextMax, outboxAt, expireMs, c, ta, tr, head1..headN,
 *       completedKey1..c, (timerMember, dueAt) x ta, mootTimerMember x tr, (effectKey, effectJson)...
 * expireMs: with a new state, how long the workflow is kept from now ('0': for good; an ended ticket's retention).
 * outboxAt: the effects' outbox score, i.e. when the sweeper may take them as left behind (now, or later while the
 * committing worker runs them itself: see EffectRunner.runInline).
 * Returns {-1} (version moved), {-2} (inbox head moved), {-3} (a completed effect was completed elsewhere), or
 * {newVersion, next1, next2, ...}.
 */
const COMMIT = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return {-1} end
local n, c, ta, tr = tonumber(ARGV[4]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local a = 10
if n > 0 then
  local cur = redis.call('LRANGE', KEYS[2], 0, n - 1)
  if #cur ~= n then return {-2} end
  for i = 1, n do
    if cur[i] ~= ARGV[a + i] then return {-2} end
  end
end
a = a + n
for j = 1, c do
  if redis.call('EXISTS', KEYS[4 + 2 * j]) == 0 then return {-3} end
end
for j = 1, c do
  redis.call('DEL', KEYS[4 + 2 * j], KEYS[5 + 2 * j])
  redis.call('ZREM', KEYS[4], ARGV[a + j])
end
a = a + c
if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
local nv = v
if ARGV[2] ~= '' then
  nv = v + 1
  redis.call('HSET', KEYS[1], 'v', nv, 's', ARGV[2])
  if ARGV[7] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7])) end
end
local added = a
a = a + 2 * ta
for i = 1, tr do redis.call('ZREM', KEYS[5], ARGV[a + i]) end
for i = 1, ta do redis.call('ZADD', KEYS[5], tonumber(ARGV[added + 2 * i]), ARGV[added + 2 * i - 1]) end
a = a + tr
local k = 6 + 2 * c
for i = a + 1, #ARGV, 2 do
  redis.call('SET', KEYS[k], ARGV[i + 1])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[6]), ARGV[i])
  k = k + 1
end
local out = {nv}
local nextMax = tonumber(ARGV[5])
if nextMax > 0 then
  local nexts = redis.call('LRANGE', KEYS[2], 0, nextMax - 1)
  for i = 1, #nexts do out[#out + 1] = nexts[i] end
  if #nexts == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
elseif redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[3])
end
return out
`;

/**
 * Takes due timers: each due member (up to `limit`) is pushed `leaseMs` into the future, so that if the process that
 * took it dies before the timer's event is in the inbox, it is due again then; the taker removes it once the event
 * is appended. Returns the members taken, then the score of the next timer due ('' when none).
 * KEYS: timers  ARGV: now, limit, leaseMs
 */
const TAKE_DUE = `
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), due[i]) end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
due[#due + 1] = first[2] or ''
return due
`;

/** Removes a taken timer, unless it was set again meanwhile (its score is no longer the lease). KEYS: timers  ARGV: member, leaseScore */
const DROP_TAKEN = `
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '-1') == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * Completes an effect once: removes it from the outbox and appends its result event to the ticket's inbox. Drops
 * the effect's start counter in the same step (one round trip less per effect).
 * KEYS: fx, outbox, inbox, dirty, seen(result), tries  ARGV: effectKey, tk, resultJson|'', ttl
 */
const COMPLETE = `
redis.call('DEL', KEYS[6])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then
  if redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[4])) then
    redis.call('RPUSH', KEYS[3], ARGV[3])
    redis.call('SADD', KEYS[4], ARGV[2])
  end
end
return 1
`;

/** Drops the ticket from the dirty set only if its inbox is really empty (an append may have raced). */
const CLEAN = `
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
`;

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

/** Effect key: unique per (ticket, effect id); the effect id already holds round, transition and index. */
export function effectKey(tk: string, effectId: string): string {
  return `${tk}|${effectId}`;
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
      redis.defineCommand('tdAcceptWatched', { lua: ACCEPT });
      redis.defineCommand('tdLoad', { numberOfKeys: 3, lua: LOAD });
      redis.defineCommand('tdCommitTimers', { lua: COMMIT });
      redis.defineCommand('tdTakeDueTimers', { numberOfKeys: 1, lua: TAKE_DUE });
      redis.defineCommand('tdDropTakenTimer', { numberOfKeys: 1, lua: DROP_TAKEN });
      redis.defineCommand('tdComplete', { lua: COMPLETE });
      redis.defineCommand('tdClean', { lua: CLEAN });
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
   * Takes a delivery's events for one or more tickets in one step (see ACCEPT); returns how many were new per
   * ticket, in order. `requestDrains`: ask the worker processes to drain the tickets that got new events (a process
   * that runs no workers; see drain-requests.ts). `delivery`: recorded as taken in the same step; 'replayed' (and
   * nothing stored) when it was recorded before. `watchedOnly`: a ticket with no workflow, no inbox and no
   * ticketTagged among its events is not the bot's, and nothing of it is written (see ACCEPT): what the intake and the
   * poller take, so that the tickets the bot does not watch cost nothing in Redis.
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
   * Takes up to `limit` due timers for `leaseMs` (see TAKE_DUE): the members, the lease score to drop them with,
   * and when the next timer is due (undefined: none).
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

/** Comments may hold OTP codes: only the comment id is ever stored. */
/**
 * What may be stored of an event: never a comment's text (it can hold codes), and a ticket's subject and requester
 * name with code-length digit runs masked (a requester may type codes into the subject).
 */
function stripText(e: WorkflowEvent): WorkflowEvent {
  if (e.type === 'commentAdded' && e.text !== undefined) {
    const { text: _text, ...rest } = e;
    return rest;
  }
  if (e.type === 'ticketTagged') {
    const { subject, requester } = e.ticket;
    return { ...e, ticket: { ...e.ticket, subject: maskCodes(subject), requester: requester.name === undefined ? requester : { ...requester, name: maskCodes(requester.name) } } };
  }
  return e;
}

