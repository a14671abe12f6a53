import type { Redis } from 'ioredis';
import { STATE_NAMES, TERMINAL_STATES, type StateName } from '../../workflows/resync/state.js';
import type { Keys } from '../store/keys.js';
import { TurnBatch } from './turn-batch.js';

/** States a ticket can wait or work in: terminal ones are not indexed, so the index holds open tickets only. */
export const OPEN_STATES: readonly StateName[] = STATE_NAMES.filter((s) => !(TERMINAL_STATES as readonly string[]).includes(s));

/**
 * Moves each ticket to its new state's set, unless the index already holds a later transition (two processes'
 * updates of one ticket may land out of order). '' as the new state drops the ticket (it ended).
 * KEYS: open-state hash, one set per open state  ARGV: the count of open states, their names (same order as the
 * sets), then (tk, newState|'', at) per move, in the order they happened
 */
const MOVE = `
local ns = tonumber(ARGV[1])
local slot = {}
for i = 1, ns do slot[ARGV[1 + i]] = KEYS[1 + i] end
for m = ns + 2, #ARGV, 3 do
  local tk, to, at = ARGV[m], ARGV[m + 1], tonumber(ARGV[m + 2])
  local cur = redis.call('HGET', KEYS[1], tk)
  local sep = cur and string.find(cur, '|', 1, true)
  if not cur or tonumber(string.sub(cur, sep + 1)) <= at then
    if cur and slot[string.sub(cur, 1, sep - 1)] then redis.call('SREM', slot[string.sub(cur, 1, sep - 1)], tk) end
    if to == '' then
      redis.call('HDEL', KEYS[1], tk)
    else
      if slot[to] then redis.call('SADD', slot[to], tk) end
      redis.call('HSET', KEYS[1], tk, to .. '|' .. at)
    end
  end
end
`;

interface IndexCommands {
  tdIndexMoveAll(...args: (string | number)[]): Promise<unknown>;
}

/**
 * Which open tickets stand in which state, so that the open-tickets gauge is one SCARD per state on scrape
 * instead of a scan of every workflow. Written after each commit (not inside it): a process that dies between the
 * two leaves a ticket in its previous state's set until the ticket's next transition.
 */
export class OpenTicketIndex {
  private readonly r: Redis & IndexCommands;
  private readonly batch = new TurnBatch<[tk: string, state: string, at: number]>((moves) => this.write(moves));

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    const r = redis as Redis & Partial<IndexCommands>;
    if (!r.tdIndexMoveAll) redis.defineCommand('tdIndexMoveAll', { lua: MOVE });
    this.r = redis as Redis & IndexCommands;
  }

  /**
   * Records the state a transition at `at` left the ticket in (a terminal state takes it out of the index). The
   * moves of one turn of the event loop, of every ticket, are saved with one script call.
   */
  move(tk: string, state: StateName, at: number): Promise<void> {
    return this.batch.add([tk, OPEN_STATES.includes(state) ? state : '', at]);
  }

  private async write(moves: Array<[string, string, number]>): Promise<void> {
    const keys = [this.keys.openStateOf, ...OPEN_STATES.map((s) => this.keys.openInState(s))];
    await this.r.tdIndexMoveAll(keys.length, ...keys, OPEN_STATES.length, ...OPEN_STATES, ...moves.flat());
  }

  /** Up to `limit` open tickets (their `tk`), and whether there are more. */
  async members(limit: number): Promise<{ tks: string[]; truncated: boolean }> {
    const tks: string[] = [];
    let cursor = '0';
    do {
      const [next, entries] = await this.r.hscan(this.keys.openStateOf, cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < entries.length; i += 2) tks.push(entries[i] as string);
    } while (cursor !== '0' && tks.length <= limit);
    return { tks: tks.slice(0, limit), truncated: tks.length > limit };
  }

  /** Open tickets per state (every open state present, 0 when none). */
  async counts(): Promise<Record<string, number>> {
    const pipe = this.r.pipeline();
    for (const s of OPEN_STATES) pipe.scard(this.keys.openInState(s));
    const res = (await pipe.exec()) ?? [];
    return Object.fromEntries(OPEN_STATES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)]));
  }
}
