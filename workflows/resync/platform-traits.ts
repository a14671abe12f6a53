import { z } from 'zod';

/**
 * What the 2FA platform can do through its API, as the worker found it when it located the user. The workflow
 * decides with it, before it asks the end user for anything, whether a step is the bot's or an agent's: a
 * platform that cannot resync (SafeNet Trusted Access) must not collect codes it cannot use.
 * Absent (a state saved before this field existed): every step is assumed possible, as before.
 */
export const PlatformTraitsSchema = z.object({
  /** the adapter's name (`local`, `privacyidea`, `safenet-sta`), shown to agents */
  name: z.string().min(1),
  canAddToGroup: z.boolean(),
  /** resync of an OTP (MobilePASS-like) token with two consecutive codes */
  canResync: z.boolean(),
  /** challenge/response resync of a KT-4-like token */
  canChallenge: z.boolean(),
  /** where an agent does by hand what the API cannot (the admin console's address) */
  consoleUrl: z.string().optional(),
  /**
   * most resyncs the bot may send the platform for one ticket: a platform that resyncs by authenticating (STA over
   * RADIUS) counts every wrong code toward its lock-out, so the bot stops before the user could be locked out.
   * Absent: no limit beyond policy.maxAttempts.
   */
  resyncTriesPerTicket: z.number().int().positive().optional(),
  /**
   * the worker can hold the requester's codes for an agent's one-time page (workers/assist): where the API cannot
   * resync an OTP token, the bot still collects the codes and hands over with a link instead of a bare runbook
   */
  assist: z.boolean().optional(),
  /**
   * the platform's authentication log can be read (recentAuthentications): after a resync the bot watches it for the
   * requester's login (policy authWatchEveryMs, authWatchForMs) instead of waiting for their word. Absent: no watch.
   */
  authLog: z.boolean().optional(),
});
export type PlatformTraits = z.infer<typeof PlatformTraitsSchema>;
