import { randomBytes } from 'node:crypto';
import { PlatformForbidden } from '../errors.js';
import { PLATFORM, type PrivacyIdeaClient } from './client.js';
import { AuditPageSchema, TokenPageSchema } from './schemas.js';

/** Admin policy actions (scope admin) the adapter uses. */
export type AdminRight = 'userlist' | 'tokenlist' | 'resync' | 'reset' | 'auditlog' | 'set_custom_user_attributes';

/** The realms whose tokens the admin may list: every realm, or these (possibly none). */
export type TokenlistRealms = 'all' | string[];

/** A right found missing is looked up again after this long, so that a policy fixed meanwhile takes effect without a restart. */
const RECHECK_MS = 60_000;

/** Parses the `info` that list_api audits: "realm: None" (no restriction), "realm: []" (none), "realm: ['a', 'b']". */
export function parseTokenlistInfo(info: string | null | undefined): TokenlistRealms | undefined {
  const m = /realm: (None|\[.*\])/.exec(info ?? '');
  if (!m?.[1]) return undefined;
  if (m[1] === 'None') return 'all';
  return [...m[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => (x[1] ?? x[2] ?? '').toLowerCase());
}

/**
 * Which realms' tokens the admin may list, as privacyIDEA itself decided it: a GET /token/ for a serial no token has
 * (answered 200 by every version, right or not, and changing nothing), then that request's own audit entry, where
 * list_api writes the realms check_admin_tokenlist allowed. The only way to see a missing `tokenlist`: privacyIDEA
 * answers an empty list then, not 403, and an API token has no rights list. With `user` (of `realm`) the entry is
 * filed under that realm, so an admin whose `auditlog` is limited to the realm sees it (an API token's own entries
 * are filed under realm "API", outside it). Undefined when the audit log does not say (no `auditlog`, a hidden
 * `info` column, an audit module that cannot be read).
 */
export async function probeTokenlistRealms(client: PrivacyIdeaClient, of?: { user: string; realm: string }): Promise<TokenlistRealms | undefined> {
  const serial = `twofa-desk-rights-probe-${randomBytes(6).toString('hex')}`;
  await client.call(
    { method: 'GET', path: '/token/', params: { serial, ...(of ?? {}), page: '1', pagesize: '1' }, retry: 'always', what: 'list tokens (rights probe)' },
    TokenPageSchema,
  );
  try {
    const page = await client.call(
      {
        method: 'GET',
        path: '/audit/',
        params: { serial, action: 'GET /token/', sortorder: 'desc', page: '1', page_size: '1' },
        retry: 'always',
        what: 'read the audit log (rights probe)',
        right: 'auditlog',
      },
      AuditPageSchema,
    );
    return parseTokenlistInfo(page.auditdata.find((e) => e.serial === serial)?.info);
  } catch (err) {
    if (err instanceof PlatformForbidden) return undefined;
    throw err;
  }
}

/** Whether privacyIDEA lets the admin list the tokens of `realm` (undefined: it did not say). */
export function listsRealm(realms: TokenlistRealms | undefined, realm: string): boolean | undefined {
  if (realms === undefined) return undefined;
  return realms === 'all' || realms.includes(realm.toLowerCase());
}

/**
 * The admin policy actions `/auth` granted the bot (password login; renewed with the JWT), read before a step runs so
 * a missing one stops the step with its name instead of reading as an empty answer. An API token has no rights list:
 * its rights show as 403 on first use (named by the call), and a missing `tokenlist` by probeTokenlistRealms when a
 * token list comes back empty.
 */
export class AdminRights {
  private lastLookup = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: PrivacyIdeaClient,
    private readonly realm: string,
    private readonly now: () => number,
  ) {}

  /** Throws PlatformForbidden naming `right` when the bot is known not to hold it. */
  async require(right: AdminRight, what: string): Promise<void> {
    if (await this.allows(right)) return;
    throw missingRight(right, what, this.realm);
  }

  /** False when the bot is known not to hold `right`; true when it does or nothing says (API token). */
  async allows(right: AdminRight): Promise<boolean> {
    if (!(await this.missing(right, false))) return true;
    if (this.now() - this.lastLookup < RECHECK_MS) return false;
    return !(await this.missing(right, true));
  }

  private async missing(right: AdminRight, fresh: boolean): Promise<boolean> {
    if (fresh || this.lastLookup === Number.NEGATIVE_INFINITY) this.lastLookup = this.now();
    const login = fresh ? await this.client.session() : await this.client.currentLogin();
    return login?.rights !== undefined && !login.rights.some((r) => r === right || r.startsWith(`${right}=`));
  }
}

export function missingRight(right: AdminRight, what: string, realm: string): PlatformForbidden {
  return new PlatformForbidden(PLATFORM, `${what}: the admin policy action "${right}" for realm "${realm}" is missing`);
}
