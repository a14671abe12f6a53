import { DeskAccountLimiter, type AccountLimiterOptions } from '../account-limiter.js';
import { ZendeskBudgetSpent } from './zendesk-errors.js';

export type { AccountLimiterOptions };

/** One limiter per Zendesk account, shared by every worker through Redis (see DeskAccountLimiter). */
export class ZendeskAccountLimiter extends DeskAccountLimiter {
  constructor(options: AccountLimiterOptions) {
    super(options, { system: 'zendesk', budgetSpent: (waitMs, perWindow, windowMs) => new ZendeskBudgetSpent(waitMs, perWindow, windowMs), isBudgetSpent: (err) => err instanceof ZendeskBudgetSpent });
  }
}
