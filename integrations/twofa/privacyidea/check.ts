import { ConfigError } from '../../../workers/config.js';
import { PlatformError } from '../errors.js';
import { UNGUARDED } from '../shared/platform-guard.js';
import { PrivacyIdeaClient, type Call } from './client.js';
import { loadPrivacyIdeaConfig } from './config.js';
import { AttributeValueSchema, AuditPageSchema, TokenPageSchema, UserListSchema } from './schemas.js';

/** Admin policy actions (scope admin) the adapter uses, with what each is for. */
const RIGHTS: Array<[string, string]> = [
  ['userlist', 'find users (GET /user/)'],
  ['tokenlist', 'list tokens (GET /token/)'],
  ['resync', 'resync tokens (POST /token/resync)'],
  ['auditlog', 'read logins for the re-test and recognise a resync whose answer was lost (GET /audit/)'],
];
const PROBE_USER = 'twofa-desk-platform-check';

/**
 * `platform check` for privacyIDEA: reads the PRIVACYIDEA_* variables, logs in, and tries one harmless read
 * per permission the adapter needs. Each line says what works or what is missing; no secret is printed.
 */
export async function checkPrivacyIdea(env: NodeJS.ProcessEnv): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let config;
  try {
    config = loadPrivacyIdeaConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, lines: [`✗ ${err.variable}: ${err.reason}`] };
    throw err;
  }
  lines.push(`· ${config.url}, realm "${config.realm}", ${config.credentials.kind === 'token' ? 'static API token' : `admin "${config.credentials.username}"`}${config.ca ? ', own CA bundle' : ''}`);
  const client = new PrivacyIdeaClient({ url: config.url, credentials: config.credentials, guard: UNGUARDED, timeoutMs: config.timeoutMs, retries: 0, ...(config.ca !== undefined ? { ca: config.ca } : {}) });
  let ok = true;
  try {
    try {
      const session = await client.session();
      if (session) {
        lines.push(`✓ logged in (role ${session.role ?? 'unknown'})`);
        if (session.role !== undefined && session.role !== 'admin') {
          ok = false;
          lines.push('✗ the account is not an admin: create it with pi-manage admin add, or use an admin of the web UI');
        }
        for (const [right, why] of RIGHTS) {
          if (session.rights && !session.rights.includes(right)) {
            ok = false;
            lines.push(`✗ missing admin policy action "${right}" to ${why}`);
          }
        }
      }
    } catch (err) {
      return { ok: false, lines: [...lines, `✗ ${describe(err)}`] };
    }
    const probes: Array<[Call, Parameters<PrivacyIdeaClient['call']>[1], string]> = [
      [{ method: 'GET', path: '/user/', params: { realm: config.realm, username: PROBE_USER }, retry: 'always', what: 'search users' }, UserListSchema, 'users of the realm can be searched'],
      [{ method: 'GET', path: '/token/', params: { realm: config.realm, page: '1', pagesize: '1' }, retry: 'always', what: 'list tokens' }, TokenPageSchema, 'tokens of the realm can be listed'],
      [{ method: 'GET', path: '/audit/', params: { realm: config.realm, page: '1', page_size: '1' }, retry: 'always', what: 'read the audit log' }, AuditPageSchema, 'the audit log can be read'],
    ];
    for (const [call, schema, fine] of probes) {
      try {
        await client.call(call, schema);
        lines.push(`✓ ${fine}`);
      } catch (err) {
        ok = false;
        lines.push(`✗ ${call.what}: ${describe(err)}`);
      }
    }
    if (config.groupAttribute === undefined) {
      lines.push(`· groups: the realm "${config.realm}" is the only group (PRIVACYIDEA_GROUP_ATTRIBUTE unset): adding a user to a group goes to a human`);
    } else {
      lines.push(`· groups: custom user attribute "${config.groupAttribute}"; adding one needs the admin policy set_custom_user_attributes allowing that key`);
      try {
        await client.call({ method: 'GET', path: '/user/attribute', params: { user: PROBE_USER, realm: config.realm, key: config.groupAttribute }, retry: 'always', what: 'read user attributes' }, AttributeValueSchema);
        lines.push('✓ user attributes can be read');
      } catch (err) {
        // The probe user does not exist: a user error here still proves the call is allowed.
        if (err instanceof PlatformError && err.name === 'PrivacyIdeaRefused') lines.push('✓ user attributes can be read');
        else {
          ok = false;
          lines.push(`✗ read user attributes: ${describe(err)}`);
        }
      }
    }
    lines.push('· challenge/response tokens: not resynced through the API (capability off); they go to a human');
  } finally {
    client.close();
  }
  return { ok, lines };
}

function describe(err: unknown): string {
  if (err instanceof PlatformError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}
