/**
 * The counter each demo user's device is at, by token serial: ahead of the server counter in
 * demo-seed.json by the drift the scenario needs. Kept out of the seed because the platform
 * never knows where a device is; only the simulated user does.
 */
export const DEMO_DEVICE_COUNTERS: Readonly<Record<string, number>> = {
  /** alice: server 10, drifted +300 (pressed while in a pocket) */
  'MP-1001': 310,
  /** bob: server 42, KT-4 drifted +57 */
  'KT4-1002': 99,
  /** carol: server 5, +18 */
  'MP-1003': 23,
  /** john.smith, jane.smith: in step */
  'MP-1004': 0,
  'MP-1005': 0,
  /** erin: server 120, +45 */
  'MP-1006': 165,
  /** frank: server 33, +200 (his codes are wrong anyway) */
  'MP-1007': 233,
  /** grace: server 7, +30 (never replies) */
  'MP-1008': 37,
  /** heidi: server 64, +90 (resync works, her re-test still fails elsewhere) */
  'MP-1009': 154,
  /** ivan: server 15, +120 (his ticket comes from a private address: an agent approves) */
  'MP-1010': 135,
};
