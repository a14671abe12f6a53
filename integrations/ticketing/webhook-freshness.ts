import { InvalidWebhook } from './errors.js';

/** Clocks drift: a time this far ahead is still taken, anything further is not from a sane sender. */
const MAX_FUTURE_SKEW_MS = 60_000;

export interface FreshnessWording {
  /** how the sender stamped the time: it `signed` the delivery, or the body says when it was `made` */
  verb: 'signed' | 'made';
  /** whose clock to check when the time is ahead */
  clock: 'the clocks' | "the sender's clock";
}

const SIGNED: FreshnessWording = { verb: 'signed', clock: 'the clocks' };

/**
 * Refuses a webhook stamped `sentAt` (ms since the epoch) when it is older than `maxAgeMs` (a possible replay) or
 * further ahead than any clock drift.
 */
export function refuseUnlessFresh(sentAt: number, now: number, maxAgeMs: number, wording: FreshnessWording = SIGNED): void {
  if (now - sentAt > maxAgeMs) {
    throw new InvalidWebhook('stale_timestamp', `${wording.verb} ${now - sentAt} ms ago, more than ${maxAgeMs} ms: refused as a possible replay`, 401);
  }
  if (sentAt - now > MAX_FUTURE_SKEW_MS) throw new InvalidWebhook('stale_timestamp', `${wording.verb} ${sentAt - now} ms in the future: check ${wording.clock}`, 401);
}
