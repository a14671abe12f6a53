import { DeskAccountLimiter, type AccountLimiterOptions } from '../account-limiter.js';
import { HaloBudgetSpent } from './halo-errors.js';

export type { AccountLimiterOptions };

/** One limiter per Halo tenant, shared by every worker through Redis (see DeskAccountLimiter). */
export class HaloAccountLimiter extends DeskAccountLimiter {
  constructor(options: AccountLimiterOptions) {
    super(options, { system: 'halo', budgetSpent: (waitMs, perWindow, windowMs) => new HaloBudgetSpent(waitMs, perWindow, windowMs), isBudgetSpent: (err) => err instanceof HaloBudgetSpent });
  }
}
