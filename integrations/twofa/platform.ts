import type { PlatformUser, TokenInfo } from '../../workflows/resync/index.js';

/** What an adapter can do through its platform's public APIs; a step it cannot do is escalated with console steps. */
export interface PlatformCapabilities {
  readonly canAddToGroup: boolean;
  readonly canResync: boolean;
  readonly canChallenge: boolean;
  readonly canReadAuthLog: boolean;
  /**
   * a resync is a login (STA over RADIUS): codes once sent are used, so after an unknown outcome the worker never
   * sends them again but asks for fresh ones
   */
  readonly resyncByAuthentication?: boolean;
  /** most resyncs per ticket the platform's lock-out allows; see PlatformTraits.resyncTriesPerTicket */
  readonly resyncTriesPerTicket?: number;
}

export interface UserQuery {
  email?: string;
  userName?: string;
  lastName?: string;
}

/**
 * The outcome of a resync the platform answered (a refusal is an answer, not an error). `alreadyInSync`: the first
 * code simply authenticated (nothing changed). `repeated`: the same request (its `requestId`) made the token's last
 * resync with these very codes (its answer, or the caller's record of it, was lost): in sync, nothing changed. `outcome_unknown`: no answer, the codes may have been used.
 * `lockout_risk`: not sent, one more failure could lock the user out. `fail_limit`: the codes matched and the token
 * is in sync, but it is at its fail limit (every login refused until an admin resets the fail counter) and the
 * adapter could not reset it.
 */
export type ResyncOutcome =
  | { ok: true; alreadyInSync?: boolean; repeated?: boolean }
  | { ok: false; reason: 'codes_not_in_window' | 'codes_already_used' | 'token_locked' | 'outcome_unknown' | 'lockout_risk' | 'fail_limit' };

/**
 * `requestId`: the caller's id of this resync, the same when the caller sends it again (the bot: the ticket and the
 * comment the codes came in, so a workflow that went back or was rebuilt sends its own codes under the same id). A
 * platform that records it with the resync answers the same request again, once its codes are used, as its own
 * success (`repeated`); codes sent under another id stay "already used".
 */
export interface ResyncRequest {
  requestId?: string;
}

export interface AuthRecord {
  at: number;
  success: boolean;
  serial?: string;
}

/**
 * A 2FA platform (the embedded one, SafeNet Trusted Access, privacyIDEA …). The workflow never knows which.
 * Failures throw the typed errors of `errors.ts`; answers the workflow acts on are return values.
 */
export interface TwoFactorPlatform {
  readonly name: string;
  readonly capabilities: PlatformCapabilities;
  /** where an agent does by hand what the API cannot (the admin console's address), for the escalation note */
  readonly consoleUrl?: string;
  findUsers(query: UserQuery): Promise<PlatformUser[]>;
  getGroups(userId: string): Promise<string[]>;
  addToGroup(userId: string, group: string): Promise<void>;
  listTokens(userId: string): Promise<TokenInfo[]>;
  /** issues a fresh numeric challenge for a challenge/response token (KT-4) */
  startChallenge(userId: string, serial: string): Promise<{ challenge: string }>;
  /** RFC 4226 §7.4: two consecutive codes searched in the look-ahead window; the counter moves past them */
  resyncOtp(userId: string, serial: string, code1: string, code2: string, request?: ResyncRequest): Promise<ResyncOutcome>;
  /** the token's response to `challenge` searched in the look-ahead window */
  resyncChallenge(userId: string, serial: string, challenge: string, response: string): Promise<ResyncOutcome>;
  /** authentications of the user at or after `since` (ms), newest first */
  recentAuthentications(userId: string, since: number): Promise<AuthRecord[]>;
  close?(): Promise<void>;
}
