import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import radius from 'radius';
import { PlatformUnavailable } from '../errors.js';
import { StaRadiusBadSecret, StaRadiusNoAnswer } from './radius-errors.js';
import type { StaRadiusConfig } from './config.js';

/**
 * A RADIUS client (RFC 2865) for SafeNet Trusted Access, where this bot is an auth node: Access-Request with
 * User-Name, User-Password and NAS-Identifier, and the State of an Access-Challenge when answering one.
 */

/** The RADIUS settings of STA_RADIUS_* (config.ts), less the per-ticket limit the adapter keeps. */
export type StaRadiusOptions = Omit<StaRadiusConfig, 'maxPairs'>;

export type RadiusAnswer =
  | { kind: 'accept'; replyMessage?: string }
  | { kind: 'reject'; replyMessage?: string }
  /** state is empty when the server sent none; the next request then goes without one */
  | { kind: 'challenge'; state: Buffer; replyMessage?: string };

const PLATFORM = 'SafeNet Trusted Access RADIUS';
const HEADER_LENGTH = 20;
/** RFC 2865 §5.2: User-Password is at most 128 octets */
const MAX_PASSWORD_BYTES = 128;

export class StaRadiusClient {
  private closed = false;
  private readonly inFlight = new Set<() => void>();

  constructor(private readonly options: StaRadiusOptions) {}

  /** one Access-Request (User-Name, User-Password, NAS-Identifier, State when given); retransmits the identical packet (same Identifier and Request Authenticator, RFC 5080 §2.2.1) up to `retries` times on silence */
  async authenticate(req: { userName: string; password: string; state?: Buffer }): Promise<RadiusAnswer> {
    if (this.closed) throw new Error('StaRadiusClient is closed');
    const passwordBytes = Buffer.byteLength(req.password, 'utf8');
    if (passwordBytes === 0 || passwordBytes > MAX_PASSWORD_BYTES) {
      throw new RangeError(`User-Password must be 1 to ${MAX_PASSWORD_BYTES} bytes (RFC 2865 §5.2)`);
    }
    const peer = await this.resolve();
    if (this.closed) throw new Error('StaRadiusClient is closed');
    const attributes: radius.RadiusAttribute[] = [
      ['User-Name', req.userName],
      ['User-Password', req.password],
      ['NAS-Identifier', this.options.nasIdentifier],
    ];
    if (req.state && req.state.length > 0) attributes.push(['State', req.state]);
    // Message-Authenticator in every Access-Request: servers patched for BlastRADIUS (CVE-2024-3596) require it,
    // and verify_response then requires it in the answer too.
    const request = radius.encode({
      code: 'Access-Request',
      secret: this.options.secret,
      identifier: randomInt(256),
      authenticator: randomBytes(16),
      attributes,
      add_message_authenticator: true,
    });
    return this.exchange(request, peer);
  }

  /** Ends the calls in flight (they reject) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const abort of [...this.inFlight]) abort();
  }

  private async resolve(): Promise<{ address: string; family: number }> {
    try {
      return await lookup(this.options.host);
    } catch (err) {
      // Nothing was sent, so a retry is safe.
      const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
      throw new PlatformUnavailable(PLATFORM, `cannot resolve STA_RADIUS_HOST ${this.options.host} (${code})`);
    }
  }

  /** A socket of its own per call: concurrent calls never see each other's answers. */
  private exchange(request: Buffer, peer: { address: string; family: number }): Promise<RadiusAnswer> {
    const { host, port, timeoutMs, retries } = this.options;
    const tries = 1 + retries;
    return new Promise((resolve, reject) => {
      const socket = createSocket(peer.family === 6 ? 'udp6' : 'udp4');
      let sent = 0;
      let unverifiable = 0;
      let timer: NodeJS.Timeout | undefined;
      let done = false;

      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        socket.close();
        settle();
      };
      const abort = (): void => finish(() => reject(new Error('StaRadiusClient was closed during the request')));
      const send = (): void => {
        sent += 1;
        // A send error (no route, buffer full) is silence to the caller: the timer decides.
        socket.send(request, port, peer.address, () => undefined);
        timer = setTimeout(onSilence, timeoutMs);
      };
      const onSilence = (): void => {
        if (sent < tries) return send();
        finish(() => reject(unverifiable > 0 ? new StaRadiusBadSecret(host, port) : new StaRadiusNoAnswer(host, port, tries, timeoutMs)));
      };

      socket.on('message', (message, from) => {
        if (from.address !== peer.address || from.port !== port) return;
        const answer = this.read(request, message);
        if (answer === 'unverifiable') unverifiable += 1;
        else if (answer) finish(() => resolve(answer));
      });
      socket.on('error', () => undefined);
      this.inFlight.add(abort);
      send();
    });
  }

  /** The answer in `message` if it is a verified response to `request`; 'unverifiable' when only the secret is wrong; null to ignore it. */
  private read(request: Buffer, message: Buffer): RadiusAnswer | 'unverifiable' | null {
    if (message.length < HEADER_LENGTH || message[1] !== request[1]) return null;
    const length = message.readUInt16BE(2);
    if (length < HEADER_LENGTH || length > message.length) return null;
    // RFC 2865 §3: octets past Length are padding.
    const response = message.subarray(0, length);
    let packet: radius.RadiusPacket;
    try {
      if (!radius.verify_response({ request, response: Buffer.from(response), secret: this.options.secret })) return 'unverifiable';
      if (!responseAuthenticatorMatches(request, response, this.options.secret)) return 'unverifiable';
      packet = radius.decode({ packet: response, secret: this.options.secret });
    } catch {
      return null;
    }
    const replyMessage = text(packet.attributes['Reply-Message']);
    const reply = replyMessage === undefined ? {} : { replyMessage };
    switch (packet.code) {
      case 'Access-Accept':
        return { kind: 'accept', ...reply };
      case 'Access-Reject':
        return { kind: 'reject', ...reply };
      case 'Access-Challenge': {
        const state = packet.attributes.State;
        return { kind: 'challenge', state: Buffer.isBuffer(state) ? Buffer.from(state) : Buffer.alloc(0), ...reply };
      }
      default:
        return null;
    }
  }
}

/**
 * verify_response compares digests as UTF-8 strings, which maps many byte strings to one (a forged answer
 * passes about once in 2^21 tries); this compares the Response Authenticator byte for byte.
 */
function responseAuthenticatorMatches(request: Buffer, response: Buffer, secret: string): boolean {
  const withRequestAuthenticator = Buffer.from(response);
  request.copy(withRequestAuthenticator, 4, 4, HEADER_LENGTH);
  return timingSafeEqual(radius.calculate_packet_checksum(withRequestAuthenticator, secret), response.subarray(4, HEADER_LENGTH));
}

/** Reply-Message may be repeated: RFC 2865 §5.18 says to show them in order. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').join('\n');
  return undefined;
}
