import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import radius from 'radius';
import { generate, verify } from '../../integrations/twofa/local/hotp.js';

/**
 * A fake SafeNet Trusted Access RADIUS endpoint (RFC 2865) with STA's token Synchronization policy: a code in
 * the inner window authenticates; a code in the outer window gets an Access-Challenge, and the next code with
 * its State resynchronises the token. Failed authentications lock the user out. Real UDP on 127.0.0.1, real
 * packets through the `radius` library, duplicate detection as in RFC 5080 §2.2.2. Codes are never logged.
 */

export interface FakeRadiusToken {
  serial: string;
  /** user name */
  owner: string;
  /** HOTP secret as the project's hotp.ts takes it (base32) */
  secret: string;
  counter: number;
  digits: 6 | 8;
}

export interface FakeStaRadiusOptions {
  secret: string;
  /** the token objects are mutated in place (counter), so a REST fake holding the same objects sees the same state */
  tokens: FakeRadiusToken[];
  /** default 3 (STA's documented default) */
  innerWindow?: number;
  /** default 20 */
  outerWindow?: number;
  /** consecutive failed authentications before the user is locked; default 3 */
  lockoutThreshold?: number;
  /** called for every authentication the server decided, for writing an auth log */
  onAuth?: (e: { userName: string; nasIdentifier?: string; result: 'AUTH_SUCCESS' | 'AUTH_FAILURE' | 'CHALLENGE' | 'LOCKED'; serial?: string; at: number }) => void;
  now?: () => number;
  /** drop an Access-Request without Message-Authenticator, as a server hardened against BlastRADIUS does; default false */
  requireMessageAuthenticator?: boolean;
  /**
   * answer a request whose Message-Authenticator does not verify (its User-Password then decrypts to noise), as a
   * server from before BlastRADIUS that ignores the attribute would; default false: dropped silently
   */
  answerUnverifiedRequests?: boolean;
}

export interface FakeStaRadius {
  host: string;
  port: number;
  /** every Access-Request that decoded, retransmissions and requests dropped while silent included */
  requests: Array<{ userName: string; nasIdentifier?: string; hadState: boolean; passwordLength: number }>;
  failures(userName: string): number;
  locked(userName: string): boolean;
  /** drop every request */
  setSilent(on: boolean): void;
  close(): Promise<void>;
}

type AuthResult = 'AUTH_SUCCESS' | 'AUTH_FAILURE' | 'CHALLENGE' | 'LOCKED';

interface Decision {
  code: 'Access-Accept' | 'Access-Reject' | 'Access-Challenge';
  result: AuthResult;
  serial?: string;
  attributes: radius.RadiusAttribute[];
}

interface PendingChallenge {
  userName: string;
  serial: string;
  matched: number;
  expiresAt: number;
}

const CHALLENGE_TTL_MS = 60_000;
/** how long an answer is kept for a retransmission of its request */
const DUPLICATE_TTL_MS = 30_000;
/** otplib checks at most 100 counters per call */
const VERIFY_SPAN = 50;
export const CHALLENGE_MESSAGE = 'Enter the next code from your token';

export async function startFakeStaRadius(o: FakeStaRadiusOptions): Promise<FakeStaRadius> {
  const innerWindow = o.innerWindow ?? 3;
  const outerWindow = o.outerWindow ?? 20;
  const lockoutThreshold = o.lockoutThreshold ?? 3;
  const now = o.now ?? Date.now;
  const failures = new Map<string, number>();
  const challenges = new Map<string, PendingChallenge>();
  const answered = new Map<string, { response: Buffer; at: number }>();
  const requests: FakeStaRadius['requests'] = [];
  let silent = false;

  const isLocked = (userName: string): boolean => (failures.get(userName) ?? 0) >= lockoutThreshold;
  const fail = (userName: string): void => {
    failures.set(userName, (failures.get(userName) ?? 0) + 1);
  };

  function decide(userName: string, code: string, state: Buffer | undefined): Decision {
    const tokens = o.tokens.filter((t) => t.owner === userName);
    if (tokens.length === 0) return { code: 'Access-Reject', result: 'AUTH_FAILURE', attributes: [] };
    if (isLocked(userName)) return { code: 'Access-Reject', result: 'LOCKED', attributes: [] };

    if (state) {
      const key = state.toString('hex');
      const pending = challenges.get(key);
      challenges.delete(key);
      const token = pending && tokens.find((t) => t.serial === pending.serial);
      if (pending && token && pending.userName === userName && pending.expiresAt > now() && token.counter <= pending.matched + 1 &&
          code === generate(token.secret, pending.matched + 1, token.digits)) {
        token.counter = pending.matched + 2;
        failures.set(userName, 0);
        return { code: 'Access-Accept', result: 'AUTH_SUCCESS', serial: token.serial, attributes: [] };
      }
      fail(userName);
      return { code: 'Access-Reject', result: 'AUTH_FAILURE', ...(token ? { serial: token.serial } : {}), attributes: [] };
    }

    for (const token of tokens) {
      const inner = matchCounter(token, token.counter, innerWindow, code);
      if (inner !== null) {
        token.counter = inner + 1;
        failures.set(userName, 0);
        return { code: 'Access-Accept', result: 'AUTH_SUCCESS', serial: token.serial, attributes: [] };
      }
    }
    for (const token of tokens) {
      const outer = matchCounter(token, token.counter + innerWindow, outerWindow, code);
      if (outer !== null) {
        const newState = randomBytes(16);
        challenges.set(newState.toString('hex'), { userName, serial: token.serial, matched: outer, expiresAt: now() + CHALLENGE_TTL_MS });
        return {
          code: 'Access-Challenge',
          result: 'CHALLENGE',
          serial: token.serial,
          attributes: [['State', newState], ['Reply-Message', CHALLENGE_MESSAGE]],
        };
      }
    }
    fail(userName);
    return { code: 'Access-Reject', result: 'AUTH_FAILURE', attributes: [] };
  }

  /** The request, or null when it must be dropped without an answer. */
  function decodeRequest(message: Buffer): radius.RadiusPacket | null {
    let packet: radius.RadiusPacket;
    try {
      packet = radius.decode({ packet: message, secret: o.secret });
    } catch (err) {
      if (!(err instanceof radius.InvalidSecretError) || !o.answerUnverifiedRequests) return null;
      packet = err.decoded;
    }
    if (packet.code !== 'Access-Request') return null;
    if (o.requireMessageAuthenticator && !Buffer.isBuffer(packet.attributes['Message-Authenticator'])) return null;
    return packet;
  }

  const socket = createSocket('udp4');

  function onMessage(message: Buffer, from: RemoteInfo): void {
    const packet = decodeRequest(message);
    if (!packet) return;
    const userName = stringAttribute(packet, 'User-Name') ?? '';
    const nasIdentifier = stringAttribute(packet, 'NAS-Identifier');
    const password = stringAttribute(packet, 'User-Password') ?? '';
    const state = packet.attributes.State;
    requests.push({ userName, ...(nasIdentifier === undefined ? {} : { nasIdentifier }), hadState: Buffer.isBuffer(state), passwordLength: password.length });
    if (silent) return;

    const at = now();
    for (const [key, entry] of answered) if (at - entry.at > DUPLICATE_TTL_MS) answered.delete(key);
    const duplicateKey = `${from.address}|${from.port}|${packet.identifier}|${packet.authenticator.toString('hex')}`;
    const cached = answered.get(duplicateKey);
    if (cached) {
      socket.send(cached.response, from.port, from.address, () => undefined);
      return;
    }

    const decision = decide(userName, password, Buffer.isBuffer(state) ? state : undefined);
    o.onAuth?.({ userName, ...(nasIdentifier === undefined ? {} : { nasIdentifier }), result: decision.result, ...(decision.serial ? { serial: decision.serial } : {}), at });
    const response = radius.encode_response({ packet, code: decision.code, secret: o.secret, attributes: decision.attributes });
    answered.set(duplicateKey, { response, at });
    socket.send(response, from.port, from.address, () => undefined);
  }

  socket.on('message', onMessage);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { address, port } = socket.address();

  return {
    host: address,
    port,
    requests,
    failures: (userName) => failures.get(userName) ?? 0,
    locked: isLocked,
    setSilent: (on) => {
      silent = on;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The counter in [from, from + count) whose code is `code`, or null. */
function matchCounter(token: FakeRadiusToken, from: number, count: number, code: string): number | null {
  for (let start = from; start < from + count; start += VERIFY_SPAN) {
    const found = verify(token.secret, start, code, token.digits, Math.min(VERIFY_SPAN, from + count - start) - 1);
    if (found !== null) return found;
  }
  return null;
}

function stringAttribute(packet: radius.RadiusPacket, name: string): string | undefined {
  const value = packet.attributes[name];
  return typeof value === 'string' ? value : undefined;
}
