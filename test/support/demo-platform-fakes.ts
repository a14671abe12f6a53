import type { Seed } from '../../integrations/twofa/local/seed.js';
import { PI_ADMIN_PASSWORD, type FakePrivacyIdeaOptions } from './fake-privacyidea.js';
import { STA_API_KEY, STA_OPERATOR, STA_TENANT, startFakeSta, type FakeSta, type FakeStaOptions } from './fake-sta.js';
import { startFakeStaRadius, type FakeStaRadius, type FakeStaRadiusOptions } from './fake-sta-radius.js';

/*
 * The embedded platform's demo seed (integrations/twofa/local/demo-seed.json) as the fake privacyIDEA and the
 * fake STA hold it: the same people, groups and token secrets at the same counters, so the demo's simulated
 * users (whose devices are drifted ahead, workers/demo) drive the same scenarios through every adapter.
 */

export const DEMO_PI_REALM = 'staff';
/** the privacyIDEA custom user attribute that carries the groups (PRIVACYIDEA_GROUP_ATTRIBUTE) */
export const DEMO_PI_GROUP_ATTRIBUTE = 'groups';

/** privacyIDEA: user names as login names, MobilePASS as `hotp`, the KT-4 as privacyIDEA's own challenge/response type `ocra`. */
export function privacyIdeaFromSeed(seed: Seed): FakePrivacyIdeaOptions {
  const nameOf = new Map(seed.users.map((u) => [u.id, u.userName]));
  const groupsOf = new Map<string, string[]>();
  for (const m of seed.memberships) groupsOf.set(m.userId, [...(groupsOf.get(m.userId) ?? []), m.group]);
  return {
    realm: DEMO_PI_REALM,
    admins: { helpdesk: PI_ADMIN_PASSWORD },
    users: seed.users.map((u) => ({ username: u.userName, userid: u.id, givenname: u.firstName, surname: u.lastName, ...(u.email ? { email: u.email } : {}) })),
    tokens: seed.tokens.map((t) => ({
      serial: t.serial,
      tokentype: t.kind === 'kt4' ? 'ocra' : 'hotp',
      user: nameOf.get(t.userId) ?? t.userId,
      secret: t.secret,
      count: t.counter,
      otplen: t.digits ?? (t.kind === 'kt4' ? 8 : 6),
      active: t.state === 'active' || t.state === 'locked',
      locked: t.state === 'locked',
      revoked: t.state === 'revoked',
    })),
    attributes: Object.fromEntries([...groupsOf].map(([id, groups]) => [nameOf.get(id) ?? id, { [DEMO_PI_GROUP_ATTRIBUTE]: groups.join(',') }])),
  };
}

export function privacyIdeaEnv(url: string): Record<string, string> {
  return {
    TWOFA_PLATFORM: 'privacyidea',
    PRIVACYIDEA_URL: url,
    PRIVACYIDEA_REALM: DEMO_PI_REALM,
    PRIVACYIDEA_ADMIN_USER: 'helpdesk',
    PRIVACYIDEA_ADMIN_PASSWORD: PI_ADMIN_PASSWORD,
    PRIVACYIDEA_GROUP_ATTRIBUTE: DEMO_PI_GROUP_ATTRIBUTE,
    PRIVACYIDEA_TIMEOUT_MS: '2000',
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
