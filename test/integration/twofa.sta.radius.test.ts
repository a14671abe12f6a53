import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import radius from 'radius';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generate } from '../../integrations/twofa/local/hotp.js';
import { StaRadiusClient, type StaRadiusOptions } from '../../integrations/twofa/safenet-sta/radius-client.js';
import { StaRadiusBadSecret, StaRadiusNoAnswer } from '../../integrations/twofa/safenet-sta/radius-errors.js';
import { CHALLENGE_MESSAGE, startFakeStaRadius, type FakeRadiusToken, type FakeStaRadius, type FakeStaRadiusOptions } from '../support/fake-sta-radius.js';
import { codesIn } from '../support/secret-scan.js';

const SHARED_SECRET = 'auth-node-shared-secret';
// RFC 4226 Appendix D's key, base32; bob's is another.
const ALICE_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const BOB_SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';
const INNER = 3;
const OUTER = 20;

type AuthEvent = Parameters<NonNullable<FakeStaRadiusOptions['onAuth']>>[0];

function seedTokens(): FakeRadiusToken[] {
  return [
    { serial: '1005956011', owner: 'alice', secret: ALICE_SECRET, counter: 10, digits: 6 },
    { serial: '312899030', owner: 'bob', secret: BOB_SECRET, counter: 42, digits: 8 },
  ];
}

function code(token: FakeRadiusToken, counter: number): string {
  return generate(token.secret, counter, token.digits);
}

/** A code of the token's length that no counter in either window produces. */
function wrongCode(token: FakeRadiusToken): string {
  const taken = new Set(Array.from({ length: INNER + OUTER + 2 }, (_, i) => code(token, token.counter + i)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(token.digits, '0');
    if (!taken.has(candidate)) return candidate;
  }
}

/** A UDP socket that answers nothing and keeps every datagram it receives. */
async function blackHole(): Promise<{ port: number; packets: Buffer[]; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, packets, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** A UDP relay in front of `target` that loses the first `lose` answers on their way back. */
async function lossyRelay(targetPort: number, lose: number): Promise<{ port: number; close: () => Promise<void> }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | undefined;
  let lost = 0;
  front.on('message', (m, from) => {
    client = from;
    back.send(m, targetPort, '127.0.0.1');
  });
  back.on('message', (m) => {
    if (lost < lose) {
      lost += 1;
      return;
    }
    if (client) front.send(m, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  const closeSocket = (s: Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
  return { port: front.address().port, close: async () => void (await Promise.all([closeSocket(front), closeSocket(back)])) };
}

/**
 * A server that knows the secret but answers an Access-Accept whose Response Authenticator has one byte changed
 * so that, read as UTF-8, it is the same text: what the radius library's own check compares.
 */
async function utf8TwinResponder(): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => {
    const packet = radius.decode({ packet: message, secret: SHARED_SECRET });
    // Each Reply-Message gives another authenticator: try until one has a byte with a UTF-8 twin.
    for (let n = 0; n < 1000; n++) {
      const response = radius.encode_response({ packet, code: 'Access-Accept', secret: SHARED_SECRET, attributes: [['Reply-Message', `welcome ${n}`]] });
      const authenticator = response.subarray(4, 20);
      for (let i = 0; i < authenticator.length; i++) {
        for (let b = 0; b < 256; b++) {
          const twin = Buffer.from(authenticator);
          twin[i] = b;
          if (b === authenticator[i] || twin.toString() !== authenticator.toString()) continue;
          twin.copy(response, 4);
          socket.send(response, from.port, from.address);
          return;
        }
      }
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

describe('StaRadiusClient against the fake STA RADIUS endpoint', () => {
  let tokens: FakeRadiusToken[];
  let alice: FakeRadiusToken;
  let bob: FakeRadiusToken;
  let auths: AuthEvent[];
  let fake: FakeStaRadius;
  const cleanups: Array<() => unknown> = [];

  async function startFake(over: Partial<FakeStaRadiusOptions> = {}): Promise<FakeStaRadius> {
    const started = await startFakeStaRadius({ secret: SHARED_SECRET, tokens, onAuth: (e) => auths.push(e), ...over });
    cleanups.push(() => started.close());
    return started;
  }

  function client(over: Partial<StaRadiusOptions> = {}): StaRadiusClient {
    const c = new StaRadiusClient({ host: fake.host, port: fake.port, secret: SHARED_SECRET, nasIdentifier: 'twofa-desk', timeoutMs: 1000, retries: 1, ...over });
    cleanups.push(() => c.close());
    return c;
  }

  beforeEach(async () => {
    tokens = seedTokens();
    [alice, bob] = tokens as [FakeRadiusToken, FakeRadiusToken];
    auths = [];
    fake = await startFake();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('accepts a code in the inner window and moves the counter past it', async () => {
    await expect(client().authenticate({ userName: 'alice', password: code(alice, 12) })).resolves.toEqual({ kind: 'accept' });
    expect(alice.counter).toBe(13);
    expect(auths).toMatchObject([{ userName: 'alice', result: 'AUTH_SUCCESS', serial: '1005956011' }]);
  });

  it('challenges a code in the outer window; the next code with that State resynchronises the token', async () => {
    const c = client();
    const first = await c.authenticate({ userName: 'alice', password: code(alice, 30) });
    expect(first).toMatchObject({ kind: 'challenge', replyMessage: CHALLENGE_MESSAGE });
    if (first.kind !== 'challenge') throw new Error('expected a challenge');
    expect(first.state.length).toBeGreaterThan(0);
    expect(alice.counter).toBe(10);

    await expect(c.authenticate({ userName: 'alice', password: code(alice, 31), state: first.state })).resolves.toEqual({ kind: 'accept' });
    expect(alice.counter).toBe(32);
    await expect(c.authenticate({ userName: 'alice', password: code(alice, 32) })).resolves.toEqual({ kind: 'accept' });
    expect(auths.map((a) => a.result)).toEqual(['CHALLENGE', 'AUTH_SUCCESS', 'AUTH_SUCCESS']);
    expect(fake.requests.map((r) => r.hadState)).toEqual([false, true, false]);
  });

  it('rejects a next code that does not follow the challenged one, and forgets the State', async () => {
    const c = client();
    const first = await c.authenticate({ userName: 'alice', password: code(alice, 30) });
    if (first.kind !== 'challenge') throw new Error('expected a challenge');
    await expect(c.authenticate({ userName: 'alice', password: code(alice, 32), state: first.state })).resolves.toEqual({ kind: 'reject' });
    await expect(c.authenticate({ userName: 'alice', password: code(alice, 31), state: first.state })).resolves.toEqual({ kind: 'reject' });
    expect(fake.failures('alice')).toBe(2);
    expect(alice.counter).toBe(10);
  });

  it('rejects a wrong code and counts the failure; a right code resets the count', async () => {
    const c = client();
    await expect(c.authenticate({ userName: 'bob', password: wrongCode(bob) })).resolves.toEqual({ kind: 'reject' });
    expect(fake.failures('bob')).toBe(1);
    expect(bob.counter).toBe(42);
    await expect(c.authenticate({ userName: 'bob', password: code(bob, 42) })).resolves.toEqual({ kind: 'accept' });
    expect(fake.failures('bob')).toBe(0);
  });

  it('rejects an unknown user without counting a failure', async () => {
    await expect(client().authenticate({ userName: 'mallory', password: '123456' })).resolves.toEqual({ kind: 'reject' });
    expect(fake.failures('mallory')).toBe(0);
  });

  it('locks the user after three failures: even a right code is then rejected', async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await c.authenticate({ userName: 'alice', password: wrongCode(alice) });
    expect(fake.locked('alice')).toBe(true);
    await expect(c.authenticate({ userName: 'alice', password: code(alice, 10) })).resolves.toEqual({ kind: 'reject' });
    expect(alice.counter).toBe(10);
    expect(auths.map((a) => a.result)).toEqual(['AUTH_FAILURE', 'AUTH_FAILURE', 'AUTH_FAILURE', 'LOCKED']);
  });

  it('sends the NAS-Identifier, and each code as User-Password the server decrypts', async () => {
    await client({ nasIdentifier: 'twofa-desk-eu' }).authenticate({ userName: 'bob', password: code(bob, 43) });
    expect(fake.requests).toEqual([{ userName: 'bob', nasIdentifier: 'twofa-desk-eu', hadState: false, passwordLength: 8 }]);
    expect(auths).toMatchObject([{ nasIdentifier: 'twofa-desk-eu', result: 'AUTH_SUCCESS' }]);
  });

  it('sends Message-Authenticator: a server that requires it (BlastRADIUS hardening) answers', async () => {
    fake = await startFake({ requireMessageAuthenticator: true });
    await expect(client().authenticate({ userName: 'alice', password: code(alice, 10) })).resolves.toEqual({ kind: 'accept' });
  });

  it('keeps concurrent calls apart', async () => {
    const c = client();
    const answers = await Promise.all([
      c.authenticate({ userName: 'alice', password: code(alice, 11) }),
      c.authenticate({ userName: 'bob', password: wrongCode(bob) }),
      c.authenticate({ userName: 'alice', password: code(alice, 30) }),
    ]);
    expect(answers.map((a) => a.kind)).toEqual(['accept', 'reject', 'challenge']);
  });

  describe('when answers are lost', () => {
    it('retransmits the identical packet (Identifier, Request Authenticator) and gives up with StaRadiusNoAnswer after 1 + retries tries', async () => {
      const hole = await blackHole();
      cleanups.push(() => hole.close());
      const started = Date.now();
      const error = await client({ port: hole.port, timeoutMs: 100, retries: 2 }).authenticate({ userName: 'alice', password: code(alice, 10) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StaRadiusNoAnswer);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(hole.packets).toHaveLength(3);
      expect(hole.packets[1]).toEqual(hole.packets[0]);
      expect(hole.packets[2]).toEqual(hole.packets[0]);
    });

    it('gets StaRadiusNoAnswer from a silent server, which received every try', async () => {
      fake.setSilent(true);
      await expect(client({ timeoutMs: 100, retries: 2 }).authenticate({ userName: 'alice', password: code(alice, 10) })).rejects.toBeInstanceOf(StaRadiusNoAnswer);
      expect(fake.requests).toHaveLength(3);
      expect(auths).toEqual([]);
      expect(alice.counter).toBe(10);
    });

    it('gets the cached answer for a retransmission: the server decides once (RFC 5080), so a lost Accept does not turn into a Reject', async () => {
      const relay = await lossyRelay(fake.port, 1);
      cleanups.push(() => relay.close());
      const c = client({ host: '127.0.0.1', port: relay.port, timeoutMs: 200, retries: 2 });
      await expect(c.authenticate({ userName: 'alice', password: code(alice, 10) })).resolves.toEqual({ kind: 'accept' });
      expect(fake.requests).toHaveLength(2);
      expect(auths.map((a) => a.result)).toEqual(['AUTH_SUCCESS']);
      expect(alice.counter).toBe(11);
    });
  });

  describe('with a wrong shared secret', () => {
    it('throws StaRadiusBadSecret when the server answers (it ignores Message-Authenticator) and no answer verifies', async () => {
      fake = await startFake({ answerUnverifiedRequests: true });
      const error = await client({ secret: 'not-the-auth-node-secret', timeoutMs: 100, retries: 1 }).authenticate({ userName: 'alice', password: code(alice, 10) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StaRadiusBadSecret);
      expect((error as StaRadiusBadSecret).reason).toMatch(/STA_RADIUS_SECRET.*the auth node in STA/);
      expect((error as StaRadiusBadSecret).retryable).toBe(false);
      expect(alice.counter).toBe(10);
    });

    it('throws StaRadiusNoAnswer naming STA_RADIUS_SECRET when the server drops the request for its Message-Authenticator', async () => {
      const error = await client({ secret: 'not-the-auth-node-secret', timeoutMs: 100, retries: 1 }).authenticate({ userName: 'alice', password: code(alice, 10) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StaRadiusNoAnswer);
      expect((error as StaRadiusNoAnswer).reason).toMatch(/STA_RADIUS_HOST.*STA_RADIUS_PORT.*the auth node in STA.*STA_RADIUS_SECRET/);
      expect((error as StaRadiusNoAnswer).retryable).toBe(false);
      expect(fake.requests).toEqual([]);
    });
  });

  it('refuses an answer whose Response Authenticator matches only as UTF-8 text, which is all the radius library checks', async () => {
    const twin = await utf8TwinResponder();
    cleanups.push(() => twin.close());
    await expect(client({ port: twin.port, timeoutMs: 100, retries: 0 }).authenticate({ userName: 'alice', password: code(alice, 10) })).rejects.toBeInstanceOf(StaRadiusBadSecret);
  });

  it('puts neither the code nor the shared secret into an error', async () => {
    const password = code(alice, 10);
    const wrongSecret = 'not-the-auth-node-secret';
    fake.setSilent(true);
    const noAnswer = await client({ timeoutMs: 50, retries: 0 }).authenticate({ userName: 'alice', password }).catch((e: unknown) => e);
    const badFake = await startFake({ answerUnverifiedRequests: true });
    const badSecret = await client({ port: badFake.port, secret: wrongSecret, timeoutMs: 50, retries: 0 }).authenticate({ userName: 'alice', password }).catch((e: unknown) => e);
    for (const error of [noAnswer, badSecret]) {
      expect(error).toBeInstanceOf(Error);
      const text = [String(error), (error as Error).stack, JSON.stringify(error), (error as StaRadiusNoAnswer).reason].join('\n');
      expect(codesIn(text, [password])).toEqual([]);
      expect(text).not.toContain(SHARED_SECRET);
      expect(text).not.toContain(wrongSecret);
    }
  });
});

/** radclient's exit code and everything it printed; its -x output shows every attribute it sent and received. */
function radclient(port: number, secret: string, attributes: string[], timeoutSeconds = 2): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-r', '1', '-t', String(timeoutSeconds), `127.0.0.1:${port}`, 'auth', secret]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode: exitCode ?? -1, output }));
    child.stdin.end(`${attributes.join(', ')}\n`);
  });
}

describe('the fake speaks RADIUS as FreeRADIUS does', () => {
  let tokens: FakeRadiusToken[];
  let alice: FakeRadiusToken;
  let fake: FakeStaRadius;
  let auths: AuthEvent[];

  beforeAll(() => {
    const probe = spawnSync('radclient', ['-v'], { encoding: 'utf8' });
    if (probe.error) throw new Error('radclient is missing: run scripts/install-freeradius-utils.sh (Debian package freeradius-utils)');
  });

  beforeEach(async () => {
    tokens = seedTokens();
    alice = tokens[0] as FakeRadiusToken;
    auths = [];
    fake = await startFakeStaRadius({ secret: SHARED_SECRET, tokens, onAuth: (e) => auths.push(e) });
  });

  afterEach(async () => {
    await fake.close();
  });

  const request = (password: string, ...more: string[]): string[] => ['User-Name = "alice"', `User-Password = "${password}"`, 'NAS-Identifier = "radclient"', ...more];

  it('answers an inner-window code with an Access-Accept whose Response Authenticator radclient verifies', async () => {
    const { exitCode, output } = await radclient(fake.port, SHARED_SECRET, request(code(alice, 11)));
    expect(output).toContain('Received Access-Accept');
    expect(exitCode).toBe(0);
    expect(fake.requests).toEqual([{ userName: 'alice', nasIdentifier: 'radclient', hadState: false, passwordLength: 6 }]);
    expect(alice.counter).toBe(12);
  });

  it('answers an outer-window code with an Access-Challenge and State; the next code with that State is accepted', async () => {
    const first = await radclient(fake.port, SHARED_SECRET, request(code(alice, 25)));
    expect(first.output).toContain('Received Access-Challenge');
    expect(first.output).toContain(`Reply-Message = "${CHALLENGE_MESSAGE}"`);
    const state = /State = (0x[0-9a-f]+)/.exec(first.output)?.[1];
    expect(state).toMatch(/^0x[0-9a-f]{32}$/);

    const second = await radclient(fake.port, SHARED_SECRET, request(code(alice, 26), `State = ${state}`));
    expect(second.output).toContain('Received Access-Accept');
    expect(second.exitCode).toBe(0);
    expect(alice.counter).toBe(27);
    expect(auths.map((a) => a.result)).toEqual(['CHALLENGE', 'AUTH_SUCCESS']);
  });

  it('answers a wrong code with an Access-Reject (radclient exits non-zero)', async () => {
    const { exitCode, output } = await radclient(fake.port, SHARED_SECRET, request(wrongCode(alice)));
    expect(output).toContain('Received Access-Reject');
    expect(exitCode).not.toBe(0);
    expect(fake.failures('alice')).toBe(1);
  });

  it('checks the Message-Authenticator radclient computes and signs its answer with one radclient checks', async () => {
    const { exitCode, output } = await radclient(fake.port, SHARED_SECRET, request(code(alice, 10), 'Message-Authenticator = 0x00'));
    expect(output).toContain('Received Access-Accept');
    expect(output).toMatch(/Received Access-Accept[\s\S]*Message-Authenticator = 0x[0-9a-f]{32}/);
    expect(exitCode).toBe(0);
  });

  it('drops a request whose Message-Authenticator was made with another secret', async () => {
    const { exitCode, output } = await radclient(fake.port, 'another-secret', request(code(alice, 10), 'Message-Authenticator = 0x00'), 1);
    expect(output).toContain('No reply from server');
    expect(exitCode).not.toBe(0);
    expect(fake.requests).toEqual([]);
    expect(alice.counter).toBe(10);
  });

  it('decrypts noise from a request without Message-Authenticator sent with another secret, and radclient refuses the answer', async () => {
    const { exitCode, output } = await radclient(fake.port, 'another-secret', request(code(alice, 10)), 1);
    expect(output).toContain('Received Access-Reject packet from home server 127.0.0.1 port');
    expect(output).toContain('with invalid Response Authenticator');
    expect(exitCode).not.toBe(0);
    expect(auths.map((a) => a.result)).toEqual(['AUTH_FAILURE']);
    expect(alice.counter).toBe(10);
  });
});
