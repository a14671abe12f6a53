import { DeskBudgetSpent, TicketingError } from '../errors.js';

/** Halo understood the request and said no (400, 403, 404 on a list …): sending it again cannot help. */
export class HaloRequestRefused extends TicketingError {
  override readonly name = 'HaloRequestRefused';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    const hint = status === 403 ? ' (the application\'s permissions or its agent\'s role: see the README, "API application")' : '';
    super(`halo refused ${what} (HTTP ${status}): ${detail}`, `halo answered ${status} to ${what}: ${detail}${hint}`, false);
  }
}

/** Halo answered 2xx with a body that is not the documented shape: `field` names the first field that differs. */
export class HaloResponseInvalid extends TicketingError {
  override readonly name = 'HaloResponseInvalid';
  constructor(
    readonly what: string,
    readonly field: string,
    detail: string,
  ) {
    super(
      `halo answered ${what} with an unexpected shape at "${field}": ${detail}`,
      `the answer to ${what} has an unexpected "${field}" (${detail}): check HALO_BASE_URL is the resource server (Configuration > Integrations > Halo API > API Details)`,
      false,
    );
  }
}

/** The bot's own budget for the tenant (HALO_RATE_LIMIT_PER_MIN) is spent: see DeskBudgetSpent. */
export class HaloBudgetSpent extends DeskBudgetSpent {
  override readonly name = 'HaloBudgetSpent';
  constructor(retryAfterMs: number, perWindow: number, windowMs: number) {
    super({ desk: 'Halo', scope: 'tenant', variable: 'HALO_RATE_LIMIT_PER_MIN' }, retryAfterMs, perWindow, windowMs);
  }
}

/** The tenant has no ticket status the adapter needs (by name, from GET /api/Status): an admin renamed or removed it. */
export class HaloStatusMissing extends TicketingError {
  override readonly name = 'HaloStatusMissing';
  constructor(names: readonly string[]) {
    const list = names.map((n) => `"${n}"`).join(' or ');
    super(`halo has no ticket status named ${list}`, `the tenant's ticket statuses (Configuration > Tickets > Status) have none named ${list}: add or rename one, or see "twofa-desk halo check"`, false);
  }
}
