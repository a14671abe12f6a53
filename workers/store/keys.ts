/**
 * Redis key names for one deployment. Everything hangs off one prefix so that tests isolate their keys and a
 * Redis Cluster hash tag (`{td}`) can keep them on one slot.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  workflow(tk: string): string {
    return `${this.prefix}:wf:${tk}`;
  }
  inbox(tk: string): string {
    return `${this.prefix}:inbox:${tk}`;
  }
  /** tickets whose inbox may hold events not yet applied */
  get dirty(): string {
    return `${this.prefix}:dirty`;
  }
  /**
   * tickets whose drain a process without workers asked for (ROLES=intake), scored by when it first asked: worker
   * processes take them (see drain/drain-requests.ts)
   */
  get drainRequests(): string {
    return `${this.prefix}:drain-requests`;
  }
  /** event ids already accepted (dedupe across webhooks, poller and retries), for 30 days; never for an unwatched ticket */
  seen(eventId: string): string {
    return `${this.prefix}:seen:${eventId}`;
  }
  /** effect keys saved with a state change and not yet completed, scored by the time they were saved */
  get outbox(): string {
    return `${this.prefix}:outbox`;
  }
  /** workflow timers not yet fired, as the events they become (see timer-set.ts), scored by their due time */
  get timers(): string {
    return `${this.prefix}:timers`;
  }
  effect(effectKey: string): string {
    return `${this.prefix}:fx:${effectKey}`;
  }
  /** how many times an effect was started: a second start means the first one's outcome is unknown */
  effectTries(effectKey: string): string {
    return `${this.prefix}:fxtry:${effectKey}`;
  }
  /** events that could not be parsed, kept for an operator instead of being dropped */
  get deadLetters(): string {
    return `${this.prefix}:dead-events`;
  }
  /**
   * the run id of the Redis server the bot last saw, and when a process saw it change (a failover promoted a replica,
   * or a restart): workflows saved before then may have lost their last writes (see redis/server-change.ts)
   */
  get serverRunId(): string {
    return `${this.prefix}:redis-run-id`;
  }

  get serverChangedAt(): string {
    return `${this.prefix}:redis-changed-at`;
  }

  /** the poller's view of each watched ticket's updatedAt: only the tickets its last listing held (see Poller) */
  get polled(): string {
    return `${this.prefix}:polled`;
  }
  /** the resync effects of one platform user on one UTC day (abuse limit) */
  resyncsOfDay(platform: string, userId: string, day: string): string {
    return `${this.prefix}:resyncs:${platform}:${userId}:${day}`;
  }
  /** open (not ended) tickets whose last applied transition left them in `state`: the open-tickets gauge */
  openInState(state: string): string {
    return `${this.prefix}:open:${state}`;
  }
  /** open ticket → "<state>|<event time>", so the index above moves a ticket out of its old set */
  get openStateOf(): string {
    return `${this.prefix}:open-state`;
  }
  /** a ticket's recent activity (events applied, effect attempts), newest first and capped, for `ticket show` */
  activity(tk: string): string {
    return `${this.prefix}:activity:${tk}`;
  }
  /** one-time resync codes waiting for an agent, encrypted and expiring (see assist/code-vault.ts) */
  assistCodes(linkId: string): string {
    return `${this.prefix}:assist:codes:${linkId}`;
  }
  /** the link id of the codes held for a ticket, so that a new hold or the ticket moving on deletes them */
  assistOfTicket(tk: string): string {
    return `${this.prefix}:assist:ticket:${tk}`;
  }
  /** webhook deliveries already accepted */
  delivery(system: string, deliveryId: string): string {
    return `${this.prefix}:delivery:${system}:${deliveryId}`;
  }
}

/** Ticket key: which system and which ticket. */
export function ticketKey(system: string, ticketId: string): string {
  return `${system}:${ticketId}`;
}

export function splitTicketKey(tk: string): { system: string; ticketId: string } {
  const at = tk.indexOf(':');
  return { system: tk.slice(0, at), ticketId: tk.slice(at + 1) };
}

/** BullMQ refuses ':' in custom job ids. */
export function jobId(...parts: string[]): string {
  return parts.join('|').replaceAll(':', '~');
}

/** Effect key: unique per (ticket, effect id); the effect id already holds round, transition and index. */
export function effectKey(tk: string, effectId: string): string {
  return `${tk}|${effectId}`;
}

/**
 * The id a resync is sent under: the ticket and the comment whose codes it sends, not the effect. A workflow that
 * went back to an older version, or was rebuilt, after its resync reached the platform sends the same codes again
 * under another effect id: under this id the platform knows them for the same request (`repeated`), not "already used".
 */
export function resyncRequestId(tk: string, commentId: string): string {
  return `${tk}|resync|${commentId}`;
}
