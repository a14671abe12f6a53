import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function randomBase32(bytes = 20): string {
  const buf = randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export interface GeneratedUser {
  userName: string;
  email: string;
  name: string;
  serial: string;
  secret: string;
  serverCounter: number;
  deviceCounter: number;
}

/** A seed of `count` MobilePASS users, each with a group and a device drifted ahead of the server. */
export async function writeGeneratedSeed(count: number, drift = 50): Promise<{ path: string; users: GeneratedUser[] }> {
  const users: GeneratedUser[] = Array.from({ length: count }, (_, i) => ({
    userName: `user${i}`,
    email: `user${i}@load.example`,
    name: `User Number${i}`,
    serial: String(5_000_000 + i),
    secret: randomBase32(),
    serverCounter: 5,
    deviceCounter: 5 + drift,
  }));
  const seed = {
    users: users.map((u, i) => ({ id: `u${i}`, userName: u.userName, firstName: 'User', lastName: `Number${i}`, email: u.email })),
    groups: ['VPN Users'],
    memberships: users.map((_, i) => ({ userId: `u${i}`, group: 'VPN Users' })),
    tokens: users.map((u, i) => ({ serial: u.serial, userId: `u${i}`, kind: 'mobilepass', secret: u.secret, counter: u.serverCounter, state: 'active' })),
  };
  const path = join(tmpdir(), `twofa-desk-seed-${randomBytes(4).toString('hex')}.json`);
  await writeFile(path, JSON.stringify(seed));
  return { path, users };
}
