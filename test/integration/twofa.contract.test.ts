import axios from 'axios';
import { Redis } from 'ioredis';
import { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { PI_ALICE_SECRET, PI_REALM, piConfig, piSeed, startFakePrivacyIdea } from '../support/fake-privacyidea.js';
import { STA_ALICE_SECRET, staConfig, staSeed, startFakeSta } from '../support/fake-sta.js';
import { describePlatformContract } from '../support/platform-contract.js';
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

describePlatformContract('privacyIDEA (fake server)', async () => {
  const server = await startFakePrivacyIdea(piSeed());
  const redis = newRedis();
  const prefix = freshPrefix('contract-pi');
  const platform = new PrivacyIdeaPlatform({ config: piConfig(server.url), redis, prefix, client: FAST });
  return {
    platform,
    user: ALICE,
    memberOf: 'VPN Users',
    otherGroup: 'Remote Access',
    otp: { serial: 'OATH0001', device: new VirtualToken({ secret: PI_ALICE_SECRET, counter: 60, kind: 'mobilepass', digits: 6 }) },
    foreignSerial: 'OATH0002',
    login: async (code) => {
      await axios.post(`${server.url}/validate/check`, { user: 'alice', realm: PI_REALM, pass: code });
    },
    cleanup: async () => {
      await platform.close();
      await server.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
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
