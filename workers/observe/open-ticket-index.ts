import type { Redis } from 'ioredis';
import { luaScript } from '../../integrations/shared/lua-script.js';
import { STATE_NAMES, TERMINAL_STATES, type StateName } from '../../workflows/resync/index.js';
import type { Keys } from '../store/keys.js';
import { TurnBatch } from './turn-batch.js';

/** States a ticket can wait or work in: terminal ones are not indexed, so the index holds open tickets only. */
export const OPEN_STATES: readonly StateName[] = STATE_NAMES.filter((s) => !(TERMINAL_STATES as readonly string[]).includes(s));

const MOVE = luaScript('lua/move-open-tickets.lua', import.meta.url);

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
    if (!r.tdIndexMoveAll) redis.defineCommand('tdIndexMoveAll', { lua: MOVE.lua });
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
