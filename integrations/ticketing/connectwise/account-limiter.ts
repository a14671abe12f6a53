import { DeskAccountLimiter, type AccountLimiterOptions } from '../account-limiter.js';
import { ConnectWiseBudgetSpent } from './connectwise-errors.js';

export type { AccountLimiterOptions };

/** One limiter per ConnectWise PSA site and company, shared by every worker through Redis (see DeskAccountLimiter). */
export class ConnectWiseAccountLimiter extends DeskAccountLimiter {
  constructor(options: AccountLimiterOptions) {
    super(options, { system: 'connectwise', budgetSpent: (waitMs, perWindow, windowMs) => new ConnectWiseBudgetSpent(waitMs, perWindow, windowMs), isBudgetSpent: (err) => err instanceof ConnectWiseBudgetSpent });
  }
}
