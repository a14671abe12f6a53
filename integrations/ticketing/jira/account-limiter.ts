import { DeskAccountLimiter, type AccountLimiterOptions } from '../account-limiter.js';
import { JiraBudgetSpent } from './jira-errors.js';

export type { AccountLimiterOptions };

/** One limiter per Jira site, shared by every worker through Redis (see DeskAccountLimiter). */
export class JiraAccountLimiter extends DeskAccountLimiter {
  constructor(options: AccountLimiterOptions) {
    super(options, { system: 'jira', budgetSpent: (waitMs, perWindow, windowMs) => new JiraBudgetSpent(waitMs, perWindow, windowMs), isBudgetSpent: (err) => err instanceof JiraBudgetSpent });
  }
}
