import { afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { decodeSecret } from '../../integrations/twofa/local/hotp.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { loadPrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { STA_ALICE_SECRET, staConfig, staSeed, startFakeSta } from '../support/fake-sta.js';
import { randomBase32 } from '../support/generated-seed.js';
import { describePlatformContract } from '../support/platform-contract.js';
import { freshName, PrivacyIdeaAdmin } from '../support/privacyidea-admin.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

const LOCAL_ALICE = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';
const LOCAL_BOB = 'AIDNYO2WRALLB7G56OAJBENN3FII44JE';
const LOCAL_KT = 'EXJDW34IBDF6BSHM5ZELUG3XPF4YTWYK';

const ALICE = { id: 'alice', userName: 'alice', email: 'alice.archer@example.com', lastName: 'Archer' };
const FAST = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };

describePlatformContract('local (embedded)', async () => {
  const redis = new Redis(testRedisUrl());
  const platform = new LocalPlatform({ redis, prefix: freshPrefix('contract-local') });
  await platform.seed(
    parseSeed({
      users: [
        { id: 'alice', userName: 'alice', firstName: 'Alice', lastName: 'Archer', email: 'alice.archer@example.com' },
        { id: 'bob', userName: 'bob', firstName: 'Bob', lastName: 'Baker', email: 'bob.baker@example.com' },
      ],
      groups: ['VPN Users', 'Remote Access'],
      memberships: [{ userId: 'alice', group: 'VPN Users' }],
      tokens: [
        { serial: 'MP-1', userId: 'alice', kind: 'mobilepass', secret: LOCAL_ALICE, counter: 10, state: 'active' },
        { serial: 'KT-1', userId: 'alice', kind: 'kt4', secret: LOCAL_KT, counter: 42, state: 'active' },
        { serial: 'MP-2', userId: 'bob', kind: 'mobilepass', secret: LOCAL_BOB, counter: 0, state: 'active' },
      ],
    }),
  );
  return {
    platform,
    user: ALICE,
    memberOf: 'VPN Users',
    otherGroup: 'Remote Access',
    otp: { serial: 'MP-1', device: new VirtualToken({ secret: LOCAL_ALICE, counter: 60, kind: 'mobilepass', digits: 6 }) },
    challenge: { serial: 'KT-1', device: new VirtualToken({ secret: LOCAL_KT, counter: 47, kind: 'kt4', digits: 8 }) },
    foreignSerial: 'MP-2',
    login: async (code) => {
      await platform.authenticate('alice', code);
    },
    cleanup: async () => {
      await platform.clear();
      redis.disconnect();
    },
  };
});

/*
 * privacyIDEA is the real 3.12.2 server of the run (test/support/privacyidea-peer.ts), with the bot's seeded account
 * and rights. Each test gets a user and a HOTP token of its own (fresh names), so tests never share a counter or an
 * audit trail; the other user's token is the seeded HOTP0001ALICE, only read. The fake privacyIDEA is kept for the
 * faults a real server does not produce (twofa.privacyidea.retry.test.ts).
 */
/**
 * privacyIDEA is the real 3.12.2 server of the run (test/support/privacyidea-peer.ts). The file gets a realm of its
 * own (the bot's seeded rights copied to it) and one adapter logged in as the seeded bot (its /auth costs about a
 * second on the peer); each test gets a user and a HOTP token of its own (fresh names), so tests never share a
 * counter or an audit trail, and nothing seeded is changed. The fake privacyIDEA stays for the faults a real server
 * does not produce (twofa.privacyidea.retry.test.ts).
 */
interface PiOnPeer {
  admin: PrivacyIdeaAdmin;
  realm: { realm: string; resolver: string };
  platform: PrivacyIdeaPlatform;
  groupAttribute: string;
  foreignSerial: string;
  serials: string[];
  redis: Redis;
  prefix: string;
}
let piShared: Promise<PiOnPeer> | undefined;

async function userWithToken(admin: PrivacyIdeaAdmin, realm: { realm: string; resolver: string }, serials: string[]) {
  const name = freshName('ct');
  const user = { username: name, givenname: 'Contract', surname: freshName('Tester'), email: `${name}@example.test` };
  await admin.addUser(realm.resolver, user);
  const secret = randomBase32();
  const serial = `CT-${name.toUpperCase()}`;
  await admin.importTokens(realm.resolver, realm.realm, [{ serial, user: user.username, secretHex: decodeSecret(secret).toString('hex'), type: 'hotp', digits: 6, counter: 0 }]);
  serials.push(serial);
  return { user, secret, serial };
}

function piOnPeer(): Promise<PiOnPeer> {
  piShared ??= (async () => {
    const admin = await PrivacyIdeaAdmin.login();
    const realm = await admin.createRealm(freshName('contract'));
    const serials: string[] = [];
    const foreign = await userWithToken(admin, realm, serials);
    const config = { ...loadPrivacyIdeaConfig(admin.peer.env), realm: realm.realm };
    const redis = newRedis();
    const prefix = freshPrefix('contract-pi');
    const platform = new PrivacyIdeaPlatform({ config, redis, prefix, client: FAST });
    return { admin, realm, platform, groupAttribute: config.groupAttribute ?? 'groups', foreignSerial: foreign.serial, serials, redis, prefix };
  })();
  return piShared;
}

afterAll(async () => {
  if (!piShared) return;
  const { admin, realm, platform, serials, redis, prefix } = await piShared;
  await platform.close();
  for (const serial of serials) await admin.deleteToken(serial);
  await admin.deleteRealm(realm);
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describePlatformContract('privacyIDEA 3.12.2 (real server)', async () => {
  const pi = await piOnPeer();
  const { user, secret, serial } = await userWithToken(pi.admin, pi.realm, pi.serials);
  await pi.admin.setAttribute(user.username, pi.realm.realm, pi.groupAttribute, 'VPN Users');
  return {
    platform: pi.platform,
    user: { id: user.username, userName: user.username, email: user.email, lastName: user.surname },
    memberOf: 'VPN Users',
    otherGroup: 'Remote Access',
    // the phone is 50 presses ahead of the server's counter 0: within the 1000 codes /token/resync searches
    otp: { serial, device: new VirtualToken({ secret, counter: 50, kind: 'mobilepass', digits: 6 }) },
    foreignSerial: pi.foreignSerial,
    login: async (code) => {
      await pi.admin.validate(user.username, pi.realm.realm, code);
    },
    // users go with the realm's resolver in afterAll; tokens too
    cleanup: async () => undefined,
  };
});

describePlatformContract('SafeNet Trusted Access (fake REST + BSIDCA)', async () => {
  const server = await startFakeSta(staSeed());
  const redis = newRedis();
  const prefix = freshPrefix('contract-sta');
  const platform = new SafeNetStaPlatform({ config: staConfig(server), redis, prefix, client: FAST });
  return {
    platform,
    user: ALICE,
    memberOf: 'VPN Users',
    otherGroup: 'Remote Access',
    otp: { serial: '1005956011', device: new VirtualToken({ secret: STA_ALICE_SECRET, counter: 10, kind: 'mobilepass', digits: 6 }) },
    foreignSerial: '312899030',
    login: async (code) => {
      server.login('alice', code);
    },
    cleanup: async () => {
      await platform.close();
      await server.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
});

describePlatformContract('SafeNet Trusted Access without BSIDCA', async () => {
  const server = await startFakeSta(staSeed());
  const redis = newRedis();
  const prefix = freshPrefix('contract-sta-rest');
  const platform = new SafeNetStaPlatform({ config: staConfig(server, { soap: undefined }), redis, prefix, client: FAST });
  return {
    platform,
    user: ALICE,
    memberOf: 'VPN Users',
    otherGroup: 'Remote Access',
    foreignSerial: '312899030',
    login: async (code) => {
      server.login('alice', code);
    },
    cleanup: async () => {
      await platform.close();
      await server.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
});
