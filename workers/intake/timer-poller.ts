import type { Logger } from 'pino';
import { firedTimer } from '../store/timer-set.js';
import type { WorkflowStore } from '../store/workflow-store.js';

export interface TimerPollerDeps {
  store: Pick<WorkflowStore, 'takeDueTimers' | 'dropTakenTimer' | 'append' | 'getState'>;
  /** wakes the ticket's drain once the timer's event is in its inbox */
  wake: (tk: string) => Promise<void>;
  log: Logger;
  /** the longest sleep between looks (default 1 s): timers another process sets are seen within it */
  pollMs?: number;
  /** timers taken per look at most (default 500) */
  batch?: number;
  /** a taken timer whose event did not reach the inbox within this is due again (default 60 s) */
  leaseMs?: number;
  now?: () => number;
}

/**
 * Fires the workflow timers the commits keep in the timers set: each due timer becomes its event in the ticket's
 * inbox (once: the event id is deduplicated) and wakes the ticket's drain. Sleeps until the next timer is due, a
 * second at most, so a timer set by another process fires within a second of its due time. A process that dies
 * holding taken timers leaves them due again after their lease; any worker process fires them then.
 */
export class TimerPoller {
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: TimerPollerDeps) {
    this.pollMs = deps.pollMs ?? 1000;
    this.batch = deps.batch ?? 500;
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Fires what is due now; returns how many timers fired and when the next one is due. */
  async fireDue(): Promise<{ fired: number; nextDueAt: number | undefined }> {
    const { store, wake, log } = this.deps;
    const now = this.now();
    const { members, leaseScore, nextDueAt } = await store.takeDueTimers(now, this.batch, this.leaseMs);
    let fired = 0;
    for (const member of members) {
      const timer = firedTimer(member, now);
      if (!timer) {
        log.error({ member: member.slice(0, 200) }, 'unreadable timer dropped: this version does not know it');
        await store.dropTakenTimer(member, leaseScore);
        continue;
      }
      await store.append(timer.tk, [timer.event]);
      await store.dropTakenTimer(member, leaseScore);
      await wake(timer.tk);
      fired += 1;
      // Reading the state costs a round trip: only when the line is written.
      if (log.isLevelEnabled('debug')) {
        const { state } = await store.getState(timer.tk);
        log.debug({ tk: timer.tk, state: state?.status ?? 'none', timer: timer.event.type, eventId: timer.event.id }, 'timer fired');
      }
    }
    // a full batch may leave more due: look again at once
    return { fired, nextDueAt: members.length >= this.batch ? now : nextDueAt };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.fireDue().then(
        ({ nextDueAt }) => this.schedule(nextDueAt === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(0, nextDueAt - this.now()))),
        (err: Error) => {
          this.deps.log.warn({ error: err.name, reason: err.message }, 'timers not fired: trying again');
          this.schedule(this.pollMs);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}
