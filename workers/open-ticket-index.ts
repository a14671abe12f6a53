import type { Redis } from 'ioredis';
import { STATE_NAMES, TERMINAL_STATES, type StateName } from '../workflows/resync/state.js';
import type { Keys } from './keys.js';

/** States a ticket can wait or work in: terminal ones are not indexed, so the index holds open tickets only. */
export const OPEN_STATES: readonly StateName[] = STATE_NAMES.filter((s) => !(TERMINAL_STATES as readonly string[]).includes(s));

/**
 * Moves a ticket to its new state's set, unless the index already holds a later transition (two processes'
 * updates of one ticket may land out of order). '' as the new state drops the ticket (it ended).
 * KEYS: open-state hash, one set per open state  ARGV: tk, newState|'', at, the open state names (same order)
 */
const MOVE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  if tonumber(string.sub(cur, sep + 1)) > tonumber(ARGV[3]) then return 0 end
  local old = string.sub(cur, 1, sep - 1)
  for i = 4, #ARGV do if ARGV[i] == old then redis.call('SREM', KEYS[i - 2], ARGV[1]) end end
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
for i = 4, #ARGV do if ARGV[i] == ARGV[2] then redis.call('SADD', KEYS[i - 2], ARGV[1]) end end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
`;

interface IndexCommands {
  tdIndexMove(...args: (string | number)[]): Promise<number>;
}

/**
 * Which open tickets stand in which state, so that the open-tickets gauge is one SCARD per state on scrape
 * instead of a scan of every workflow. Written after each commit (not inside it): a process that dies between the
 * two leaves a ticket in its previous state's set until the ticket's next transition.
 */
export class OpenTicketIndex {
  private readonly r: Redis & IndexCommands;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    const r = redis as Redis & Partial<IndexCommands>;
    if (!r.tdIndexMove) redis.defineCommand('tdIndexMove', { lua: MOVE });
    this.r = redis as Redis & IndexCommands;
  }

  /** Records the state a transition at `at` left the ticket in (a terminal state takes it out of the index). */
  async move(tk: string, state: StateName, at: number): Promise<void> {
    const open = OPEN_STATES.includes(state);
    const keys = [this.keys.openStateOf, ...OPEN_STATES.map((s) => this.keys.openInState(s))];
    await this.r.tdIndexMove(keys.length, ...keys, tk, open ? state : '', at, ...OPEN_STATES);
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
