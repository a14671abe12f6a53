import { DeskAccountLimiter, type AccountLimiterOptions } from '../account-limiter.js';
import { ServiceNowBudgetSpent } from './servicenow-errors.js';

export type { AccountLimiterOptions };

/** One limiter per ServiceNow instance, shared by every worker through Redis (see DeskAccountLimiter). */
export class ServiceNowAccountLimiter extends DeskAccountLimiter {
  constructor(options: AccountLimiterOptions) {
    super(options, { system: 'servicenow', budgetSpent: (waitMs, perWindow, windowMs) => new ServiceNowBudgetSpent(waitMs, perWindow, windowMs), isBudgetSpent: (err) => err instanceof ServiceNowBudgetSpent });
  }
}
