import { runCheck, type CheckLines, type CheckResult } from '../../shared/check-probe.js';
import { PlatformError, PlatformForbidden } from '../errors.js';
import { UNGUARDED } from '../shared/platform-guard.js';
import { listsRealm, probeTokenlistRealms } from './admin-rights.js';
import { PrivacyIdeaClient, type Call } from './client.js';
import { loadPrivacyIdeaConfig } from './config.js';
import { PI_ERROR, PrivacyIdeaRefused } from './privacyidea-refused.js';
import { AttributeValueSchema, AuditPageSchema, ResyncValueSchema, TokenPageSchema, UserListSchema } from './schemas.js';

/** Admin policy actions (scope admin) the adapter needs, with what each is for. */
const RIGHTS: Array<[string, string]> = [
  ['userlist', 'find users (GET /user/)'],
  ['tokenlist', 'list tokens (GET /token/)'],
  ['resync', 'resync tokens (POST /token/resync)'],
  ['auditlog', 'read logins for the re-test and recognise a resync whose answer was lost (GET /audit/)'],
];
const PROBE_USER = 'twofa-desk-platform-check';

/**
 * `platform check` for privacyIDEA: reads the PRIVACYIDEA_* variables, logs in, reads the rights `/auth` lists
 * (password login) and tries one harmless call per permission the adapter needs, whichever the credential. Each
 * line says what works or what is missing; no secret is printed. The calls are ones every supported version
 * (3.6 to 3.13) answers alike.
 */
export async function checkPrivacyIdea(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadPrivacyIdeaConfig(env), PlatformError, async (check, config) => {
    const { lines, fail, describe } = check;
    lines.push(`· ${config.url}, realm "${config.realm}", ${config.credentials.kind === 'token' ? 'static API token' : `admin "${config.credentials.username}"`}${config.ca ? ', own CA bundle' : ''}`);
    const client = new PrivacyIdeaClient({ url: config.url, credentials: config.credentials, guard: UNGUARDED, timeoutMs: config.timeoutMs, retries: 0, ...(config.ca !== undefined ? { ca: config.ca } : {}) });
    try {
      let rights: string[] | undefined;
      try {
        const session = await client.session();
        if (session) {
          lines.push(`✓ logged in (role ${session.role ?? 'unknown'})`);
          if (session.role !== undefined && session.role !== 'admin') fail('the account is not an admin: create it with pi-manage admin add, or use an admin of the web UI');
          rights = session.rights;
        } else {
          lines.push('· a static API token carries no rights list: each right is probed with a call that changes nothing');
        }
      } catch (err) {
        fail(describe(err));
        return;
      }
      const has = (right: string): boolean | undefined => rights?.some((r) => r === right || r.startsWith(`${right}=`));
      for (const [right, why] of RIGHTS) if (has(right) === false) fail(`missing admin policy action "${right}" to ${why}`);
      if (config.groupAttribute !== undefined && has('set_custom_user_attributes') === false) {
        fail(`missing admin policy action "set_custom_user_attributes" (allowing the key "${config.groupAttribute}") to add a user to a group`);
      }
      const reset = has('reset');
      if (reset === true) lines.push('✓ admin policy action "reset": a token at its fail limit gets its fail counter reset once its codes matched');
      else {
        lines.push(
          `· ${reset === false ? 'no admin policy action "reset"' : 'admin policy action "reset" not checked (an API token cannot be probed for it without resetting a token)'}: without it a token at its fail limit is resynced, then handed to an agent to reset its fail counter`,
        );
      }

      const probe = (call: Call, schema: Parameters<PrivacyIdeaClient['call']>[1], fine: string): Promise<boolean> => check.probe(call.what, () => client.call(call, schema), fine);
      await probe({ method: 'GET', path: '/user/', params: { realm: config.realm, username: PROBE_USER }, retry: 'always', what: 'search users', right: 'userlist' }, UserListSchema, 'users of the realm can be searched');
      const audit = await probe({ method: 'GET', path: '/audit/', params: { page: '1', page_size: '1' }, retry: 'always', what: 'read the audit log', right: 'auditlog' }, AuditPageSchema, 'the audit log can be read');
      await checkTokenlist(client, config.realm, audit, check);
      if (config.credentials.kind === 'token') await checkResync(client, config.realm, check);

      if (config.groupAttribute === undefined) {
        lines.push(`· groups: the realm "${config.realm}" is the only group (PRIVACYIDEA_GROUP_ATTRIBUTE unset): adding a user to a group goes to a human`);
      } else {
        lines.push(`· groups: custom user attribute "${config.groupAttribute}"; adding one needs the admin policy set_custom_user_attributes allowing that key`);
        try {
          await client.call({ method: 'GET', path: '/user/attribute', params: { user: PROBE_USER, realm: config.realm, key: config.groupAttribute }, retry: 'always', what: 'read user attributes' }, AttributeValueSchema);
          lines.push('✓ user attributes can be read');
        } catch (err) {
          // The probe user does not exist: a user error here still proves the call is allowed.
          if (err instanceof PrivacyIdeaRefused) lines.push('✓ user attributes can be read');
          else fail(`read user attributes: ${describe(err)}`);
        }
      }
      lines.push('· challenge/response tokens: not resynced through the API (capability off); they go to a human');
    } finally {
      client.close();
    }
  });
}

/**
 * A missing `tokenlist` is silent (privacyIDEA answers an empty list, not 403), so the list is asked for a serial no
 * token has — a call every version answers, unlike a list by realm without a user (400 ERR904 before 3.13) — and the
 * realms privacyIDEA allowed are read from that request's audit entry. An API token's own entries are filed outside
 * the realm, so when its `auditlog` is limited to the realm the probe names a user of the realm.
 */
async function checkTokenlist(client: PrivacyIdeaClient, realm: string, auditReadable: boolean, { lines, fail, describe }: CheckLines): Promise<void> {
  let listed;
  try {
    listed = listsRealm(await probeTokenlistRealms(client), realm);
    if (listed === undefined) {
      const [user] = await client.call({ method: 'GET', path: '/user/', params: { realm }, retry: 'always', what: 'search users', right: 'userlist' }, UserListSchema);
      if (user !== undefined) listed = listsRealm(await probeTokenlistRealms(client, { user: user.username, realm }), realm);
    }
  } catch (err) {
    fail(`list tokens: ${describe(err)}`);
    return;
  }
  if (listed === true) {
    lines.push(`✓ tokens of the realm can be listed (admin policy action "tokenlist" for realm "${realm}")`);
  } else if (listed === false) {
    fail(`missing admin policy action "tokenlist" for realm "${realm}": privacyIDEA then answers every token list empty, and the bot would read "the user has no token"`);
  } else {
    lines.push(
      `· tokens can be listed, but whether for realm "${realm}" is not known: ${auditReadable ? 'the audit log does not show the allowed realms (info column hidden?)' : 'that is read from the audit log'}; check the admin policy action "tokenlist"`,
    );
  }
}

/**
 * An API token has no rights list: `resync` is probed on a token of the realm without codes. privacyIDEA checks the
 * policy first (403 without the right), then refuses the missing otp1 (400 ERR905): nothing is resynced.
 */
async function checkResync(client: PrivacyIdeaClient, realm: string, { lines, fail, describe }: CheckLines): Promise<void> {
  let serial: string | undefined;
  try {
    const page = await client.call({ method: 'GET', path: '/token/', params: { tokenrealm: realm, page: '1', pagesize: '1' }, retry: 'always', what: 'list tokens', right: 'tokenlist' }, TokenPageSchema);
    serial = page.tokens[0]?.serial;
  } catch {
    // reported by the tokenlist check
  }
  if (serial === undefined) {
    lines.push(`· admin policy action "resync" not checked: realm "${realm}" has no token to probe it on`);
    return;
  }
  try {
    await client.call({ method: 'POST', path: '/token/resync', data: { serial }, retry: 'unsent', what: 'resync tokens', right: 'resync' }, ResyncValueSchema);
    fail(`resync tokens: privacyIDEA accepted a resync without codes (token ${serial}); check the server version`);
  } catch (err) {
    if (err instanceof PrivacyIdeaRefused && err.code === PI_ERROR.PARAMETER) lines.push('✓ tokens can be resynced (probed without codes: nothing changed)');
    else if (err instanceof PlatformForbidden) fail(`missing admin policy action "resync" to ${RIGHTS[2]?.[1] ?? 'resync tokens'}`);
    else fail(`resync tokens: ${describe(err)}`);
  }
}
