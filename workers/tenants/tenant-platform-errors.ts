/** When a tenant's effects step aside, they come back after about this long (jittered)... */
const BUSY_RETRY_MS = 400;
/** ...or, while its platform answers nothing, after about as long as it has been silent, up to this. */
const STALLED_RETRY_MAX_MS = 5_000;

const jittered = (ms: number): number => Math.round(ms * (0.5 + Math.random()));

/** The ticket's tenant is not in the tenants file any more (removed since the ticket began): an agent finishes it. */
export class TenantNotConfigured extends Error {
  override readonly name = 'TenantNotConfigured';
  readonly retryable = false;
  readonly reason: string;
  constructor(readonly tenant: string) {
    super(`tenant ${tenant} is not configured`);
    this.reason = `the ticket belongs to tenant '${tenant}', which is no longer in TENANTS_FILE: put it back (and reload), or finish the ticket by hand`;
  }
}

/** Why a tenant's effect steps aside: its platform is being built, its calls are all in flight, or it stopped answering. */
export type BusyCause = { starting: true } | { inFlight: number } | { silentForMs: number };

/**
 * The tenant cannot take this effect now: it waits outside the worker, as a delayed retry that does not count as a
 * failed attempt and holds no worker slot, so a slow or hanging platform of one customer never holds the slots the
 * others' tickets need.
 */
export class TenantBusy extends Error {
  override readonly name = 'TenantBusy';
  readonly retryable = true;
  readonly retryAfterMs: number;
  readonly reason: string;
  constructor(tenant: string, cause: BusyCause) {
    super(`tenant ${tenant} is busy`);
    if ('starting' in cause) {
      this.retryAfterMs = jittered(BUSY_RETRY_MS);
      this.reason = `tenant '${tenant}' was just added to TENANTS_FILE and its platform is being built: tried again shortly`;
    } else if ('inFlight' in cause) {
      this.retryAfterMs = jittered(BUSY_RETRY_MS);
      this.reason = `tenant '${tenant}' has ${cause.inFlight} platform calls in flight (its limit): tried again shortly`;
    } else {
      this.retryAfterMs = jittered(Math.min(STALLED_RETRY_MAX_MS, Math.max(BUSY_RETRY_MS, cause.silentForMs)));
      this.reason = `tenant '${tenant}''s platform has not answered a call for ${cause.silentForMs} ms: tried again later, without holding a worker slot meanwhile`;
    }
  }
}

/**
 * The tenant's platform could not be built from its settings (a new tenant, on a reload): its tickets go to an agent
 * instead of waiting for a platform that will not come.
 */
export class TenantPlatformFailed extends Error {
  override readonly name = 'TenantPlatformFailed';
  readonly retryable = false;
  readonly reason: string;
  constructor(
    readonly tenant: string,
    cause: string,
  ) {
    super(`tenant ${tenant}'s platform could not be built`);
    this.reason = `tenant '${tenant}''s platform could not be built from TENANTS_FILE (${cause}): fix its platform settings, save the file or send SIGHUP, and finish this ticket by hand`;
  }
}

/** One or more tenants' platforms could not be built by an update of the tenants (each named, with its cause). */
export class TenantPlatformsFailed extends Error {
  override readonly name = 'TenantPlatformsFailed';
  readonly reason: string;
  constructor(readonly failures: readonly TenantPlatformFailed[]) {
    super(`${failures.length} tenant platforms could not be built`);
    this.reason = failures.map((f) => f.reason).join('; ');
  }
}
