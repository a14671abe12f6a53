import type { DrainRequests } from '../drain/drain-requests.js';
import type { DrainScheduler } from '../drain/drain-scheduler.js';
import type { Queues } from '../store/queues.js';

/**
 * How a ticket with new events gets drained. A process that runs workers drains the tickets it is told of itself
 * (webhooks it takes, effect jobs it completes), in its drain scheduler or else as a drain job; one that runs no
 * workers asks the worker processes through the drain requests (see drain-requests.ts).
 */
export class Wake {
  /** set once the drain scheduler exists (it needs the processor, which needs this wake) */
  scheduler: DrainScheduler | undefined;

  constructor(
    private readonly runsWorkers: boolean,
    private readonly queues: Queues,
    private readonly requests: DrainRequests,
  ) {}

  readonly wake = (tk: string): Promise<void> => {
    if (this.scheduler) return this.scheduler.wake(tk);
    return this.runsWorkers ? this.queues.drain(tk) : this.requests.push(tk);
  };
}
