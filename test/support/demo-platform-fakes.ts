import { decodeSecret } from '../../integrations/twofa/local/hotp.js';
import type { Seed } from '../../integrations/twofa/local/seed.js';
import { freshName, PrivacyIdeaAdmin, type ImportedToken } from './privacyidea-admin.js';
import { STA_API_KEY, STA_OPERATOR, STA_TENANT, startFakeSta, type FakeSta, type FakeStaOptions } from './fake-sta.js';
import { startFakeStaRadius, type FakeStaRadius, type FakeStaRadiusOptions } from './fake-sta-radius.js';

/*
 * The embedded platform's demo seed (integrations/twofa/local/demo-seed.json) as the real privacyIDEA and the
 * fake STA hold it: the same people, groups and token secrets at the same counters, so the demo's simulated
 * users (whose devices are drifted ahead, test/demo) drive the same scenarios through every adapter.
 */

/** the privacyIDEA custom user attribute that carries the groups (PRIVACYIDEA_GROUP_ATTRIBUTE) */
export const DEMO_PI_GROUP_ATTRIBUTE = 'groups';

/**
 * The demo seed on the real privacyIDEA of the run (test/support/privacyidea-peer.ts), set up through its admin API:
 * a realm of its own (the peer's seeded realm already has an alice, a bob and a carol) with an editable SQL resolver,
 * the seed's users, their groups in the custom attribute (set by the bot, as the bot would), and their tokens
 * imported at the seed's server counters (OATH CSV: MobilePASS as `hotp`, the KT-4 as `ocra`). The bot logs in with
 * its seeded account and rights, extended to the new realm. `close()` removes all of it again.
 */
export interface DemoOnPeer {
  admin: PrivacyIdeaAdmin;
  realm: string;
  serials: string[];
  /** when the set-up began (Date.now()): audit entries of this run are younger */
  startedAt: number;
  env: Record<string, string>;
  login(userName: string, code: string): Promise<boolean>;
  close(): Promise<void>;
}

/** the KT-4's OCRA suite: 8-digit responses to numeric challenges of up to 8 digits */
const KT4_OCRA_SUITE = 'OCRA-1:HOTP-SHA1-8:QN08';

export async function demoOnPeer(seed: Seed): Promise<DemoOnPeer> {
  const startedAt = Date.now();
  const admin = await PrivacyIdeaAdmin.login();
  const { realm, resolver } = await admin.createRealm(freshName('demo'));
  const nameOf = new Map(seed.users.map((u) => [u.id, u.userName]));
  for (const u of seed.users) await admin.addUser(resolver, { username: u.userName, givenname: u.firstName, surname: u.lastName, email: u.email ?? '' });
  const groupsOf = new Map<string, string[]>();
  for (const m of seed.memberships) groupsOf.set(m.userId, [...(groupsOf.get(m.userId) ?? []), m.group]);
  for (const [id, groups] of groupsOf) await admin.setAttribute(nameOf.get(id) ?? id, realm, DEMO_PI_GROUP_ATTRIBUTE, groups.join(','));
  const tokens = seed.tokens.map((t): ImportedToken => {
    const common = { serial: t.serial, user: nameOf.get(t.userId) ?? t.userId, secretHex: decodeSecret(t.secret).toString('hex') };
    return t.kind === 'kt4' ? { ...common, type: 'ocra', ocraSuite: KT4_OCRA_SUITE } : { ...common, type: 'hotp', digits: t.digits, counter: t.counter };
  });
  // Serials are unique server-wide: a peer kept across runs (TEST_PRIVACYIDEA_WORKDIR) may hold them from the last one.
  await admin.deleteTokensIfPresent(tokens.map((t) => t.serial));
  await admin.importTokens(resolver, realm, tokens);
  for (const t of seed.tokens) {
    if (t.state === 'disabled' || t.state === 'revoked') await admin.setTokenState(t.serial, t.state);
    else if (t.state === 'locked') throw new Error(`${t.serial}: privacyIDEA has no API call that only locks a token`);
  }
  const env = admin.peer.env;
  return {
    admin,
    realm,
    serials: tokens.map((t) => t.serial),
    startedAt,
    env: {
      TWOFA_PLATFORM: 'privacyidea',
      PRIVACYIDEA_URL: admin.peer.url,
      PRIVACYIDEA_REALM: realm,
      PRIVACYIDEA_ADMIN_USER: env.PRIVACYIDEA_ADMIN_USER ?? '',
      PRIVACYIDEA_ADMIN_PASSWORD: env.PRIVACYIDEA_ADMIN_PASSWORD ?? '',
      PRIVACYIDEA_GROUP_ATTRIBUTE: DEMO_PI_GROUP_ATTRIBUTE,
    },
    login: (userName, code) => admin.validate(userName, realm, code),
    // The users go with their resolver (its own SQLite file); the tokens would keep their serials taken.
    close: async () => {
      for (const t of tokens) await admin.deleteToken(t.serial);
      await admin.deleteRealm({ realm, resolver });
    },
  };
}

/** STA: user names as STA user names, MobilePASS and KT tokens as BSIDCA lists them (type, state). */
export function staFromSeed(seed: Seed): FakeStaOptions {
  const nameOf = new Map(seed.users.map((u) => [u.id, u.userName]));
  const memberships: Record<string, string[]> = {};
  for (const m of seed.memberships) {
    const name = nameOf.get(m.userId) ?? m.userId;
    memberships[name] = [...(memberships[name] ?? []), m.group];
  }
  const state = { active: 'Active', locked: 'Locked', revoked: 'Revoked', disabled: 'Suspended' } as const;
  return {
    tenantCode: STA_TENANT,
    apiKey: STA_API_KEY,
    operator: STA_OPERATOR,
    users: seed.users.map((u) => ({ id: Buffer.from(`sta-${u.id}`).toString('base64'), userName: u.userName, firstName: u.firstName, lastName: u.lastName, ...(u.email ? { email: u.email } : {}) })),
    groups: seed.groups.map((name, i) => ({ id: `G${i + 1}`, name })),
    memberships,
    tokens: seed.tokens.map((t) => ({
      serial: t.serial,
      owner: nameOf.get(t.userId) ?? t.userId,
      type: t.kind === 'kt4' ? 'KT' : 'MobilePASS',
      state: state[t.state],
      secret: t.secret,
      counter: t.counter,
      digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6),
    })),
  };
}

export function staEnv(sta: FakeSta): Record<string, string> {
  return {
    TWOFA_PLATFORM: 'safenet-sta',
    STA_API_URL: sta.url,
    STA_TENANT_CODE: STA_TENANT,
    STA_API_KEY,
    STA_SOAP_URL: sta.soapUrl,
    STA_SOAP_USER: STA_OPERATOR.email,
    STA_SOAP_PASSWORD: STA_OPERATOR.password,
    STA_TIMEOUT_MS: '2000',
  };
}

export const STA_RADIUS_SECRET = 'fake-sta-radius-shared-secret';

/**
 * The fake STA with its RADIUS endpoint on the same token objects: a resync over RADIUS moves the counter the REST
 * fake's logins check, and every RADIUS authentication is written to the REST fake's authentication logs as STA does.
 */
export interface FakeStaWithRadius {
  sta: FakeSta;
  radius: FakeStaRadius;
  close(): Promise<void>;
}

export async function startFakeStaWithRadius(options: FakeStaOptions, radius: Partial<Omit<FakeStaRadiusOptions, 'tokens' | 'onAuth'>> = {}): Promise<FakeStaWithRadius> {
  const sta = await startFakeSta(options);
  const server = await startFakeStaRadius({
    secret: STA_RADIUS_SECRET,
    ...radius,
    tokens: sta.tokens.filter((t) => t.state === 'Active').map((t) => Object.assign(t, { digits: t.digits === 8 ? 8 : 6 } as const)),
    onAuth: (e) => {
      if (e.result === 'CHALLENGE') return sta.logAuthentication(e.userName, 'CHALLENGE', e.serial);
      sta.logAuthentication(e.userName, e.result === 'AUTH_SUCCESS' ? 'AUTH_SUCCESS' : 'AUTH_FAILED', e.serial);
    },
  });
  return {
    sta,
    radius: server,
    close: async () => {
      await server.close();
      await sta.close();
    },
  };
}

export function staRadiusEnv(radius: FakeStaRadius, over: Record<string, string> = {}): Record<string, string> {
  return { STA_RADIUS_HOST: radius.host, STA_RADIUS_PORT: String(radius.port), STA_RADIUS_SECRET, STA_RADIUS_TIMEOUT_MS: '1000', STA_RADIUS_RETRIES: '1', ...over };
}
