import { createHmac } from 'node:crypto';
import { decodeSecret, findConsecutive, generate } from '../integrations/twofa/local/hotp.js';
import { randomBase32 } from '../test/support/generated-seed.js';
import { round, type Row } from './util.js';

/** The floor: one node:crypto HMAC-SHA1 per counter with the key decoded once, plus RFC 4226 truncation. */
function rawHmacLoop(key: Buffer, from: number, window: number): number {
  const message = Buffer.alloc(8);
  let sink = 0;
  for (let c = from; c <= from + window; c++) {
    message.writeUInt32BE(Math.floor(c / 0x1_0000_0000), 0);
    message.writeUInt32BE(c >>> 0, 4);
    const d = createHmac('sha1', key).update(message).digest();
    const o = (d[d.length - 1] ?? 0) & 0x0f;
    sink ^= (d.readUInt32BE(o) & 0x7fff_ffff) % 1_000_000;
  }
  return sink;
}

/** Codes per second of findConsecutive over a window whose codes are never found (the whole window is searched). */
export function benchResync(windows: number[], budgetMs: number): Row[] {
  const rows: Row[] = [];
  const secret = randomBase32();
  const key = decodeSecret(secret);
  // Codes from far outside the window: the search runs to the end of the window, the worst (and the common "drifted a lot") case.
  const code1 = generate(secret, 10_000_000, 6);
  const code2 = generate(secret, 10_000_001, 6);
  for (const window of windows) {
    // warm-up
    findConsecutive(secret, 0, window, code1, code2, 6);
    rawHmacLoop(key, 0, window);
    let ours = 0;
    let raw = 0;
    let oursMs = 0;
    let rawMs = 0;
    const perRound = Math.max(1, Math.floor(20_000 / window));
    const until = Date.now() + budgetMs;
    // Interleaved rounds, so noise on the machine hits both sides alike.
    while (Date.now() < until) {
      let t = performance.now();
      for (let i = 0; i < perRound; i++) findConsecutive(secret, i, window, code1, code2, 6);
      oursMs += performance.now() - t;
      ours += perRound * (window + 1);
      t = performance.now();
      for (let i = 0; i < perRound; i++) rawHmacLoop(key, i, window);
      rawMs += performance.now() - t;
      raw += perRound * (window + 1);
    }
    const oursRate = ours / (oursMs / 1000);
    const rawRate = raw / (rawMs / 1000);
    const slowdown = rawRate / oursRate;
    rows.push({
      bench: '3 resync search',
      metric: `findConsecutive, window ${window}`,
      value: round(oursRate, 0),
      unit: 'codes/s',
      baseline: round(rawRate, 0),
      ratio: round(oursRate / rawRate, 3),
      goal: 'slowdown <= 1.5x raw',
      met: slowdown <= 1.5,
      note: `slowdown ${round(slowdown, 2)}x vs raw node:crypto HMAC-SHA1 loop`,
    });
  }
  return rows;
}
