import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { runCheck, type CheckLines, type CheckResult } from '../../shared/check-probe.js';
import { PlatformError } from '../errors.js';
import { UNGUARDED } from '../shared/platform-guard.js';
import { BsidcaClient } from './bsidca-client.js';
import { StaRestClient, type RestCall } from './client.js';
import { loadStaConfig, type StaRadiusConfig } from './config.js';
import { StaRadiusClient } from './radius-client.js';
import { StaGroupSchema, StaLogSchema, StaUserSchema, paged } from './schemas.js';

/**
 * `platform check` for SafeNet Trusted Access: reads the STA_* variables, validates the API key for the
 * tenant (Diagnostics API), tries one harmless read per permission the adapter needs, and connects to
 * BSIDCA when it is configured. Each line says what works or what is missing; no secret is printed.
 */
export async function checkSafeNetSta(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return runCheck(() => loadStaConfig(env), PlatformError, async (check, config) => {
    const { lines } = check;
    lines.push(`· ${config.apiUrl}, tenant ${config.tenantCode}${config.soap ? `, BSIDCA ${config.soap.url}` : ', BSIDCA not configured'}`);
    const rest = new StaRestClient({ apiUrl: config.apiUrl, tenantCode: config.tenantCode, apiKey: config.apiKey, guard: UNGUARDED, timeoutMs: config.timeoutMs, retries: 0 });
    const probes: Array<[RestCall, z.ZodType, string]> = [
      [{ method: 'GET', path: '/authorized', retry: 'always', what: 'validate the API key for the tenant (Diagnostics)' }, z.unknown(), 'the API key is valid for the tenant'],
      [{ method: 'GET', path: '/users', params: { pageIndex: '0', pageSize: '1' }, retry: 'always', what: 'read users (User management)' }, paged(StaUserSchema), 'users can be read'],
      [{ method: 'GET', path: '/groups', params: { pageIndex: '0', pageSize: '1' }, retry: 'always', what: 'read groups (Group management)' }, paged(StaGroupSchema), 'groups can be read (adding members needs the same API key role with write access)'],
      [{ method: 'GET', path: '/logs', params: { since: new Date(Date.now() - 3_600_000).toISOString(), pageSize: '1' }, retry: 'always', what: 'read authentication logs (Logs)' }, paged(StaLogSchema), 'authentication logs can be read'],
    ];
    try {
      for (const [call, schema, fine] of probes) await check.probe(call.what, () => rest.call(call, schema), fine);
    } finally {
      rest.close();
    }
    if (config.soap) {
      const soap = new BsidcaClient({ ...config.soap, guard: UNGUARDED, timeoutMs: config.timeoutMs, retries: 0 });
      try {
        await check.probe('BSIDCA Connect', () => soap.connect(), 'BSIDCA Connect accepted the operator: tokens can be listed');
      } finally {
        soap.close();
      }
    } else {
      lines.push('· tokens: not listed (set STA_SOAP_URL, STA_SOAP_USER, STA_SOAP_PASSWORD for BSIDCA); that step goes to a human');
    }
    if (config.radius) await checkRadius(config.radius, check);
    else lines.push('· RADIUS not configured (STA_RADIUS_HOST, STA_RADIUS_SECRET): MobilePASS resyncs go to an agent (with the codes on a one-time page when ADMIN_TOKEN is set)');
    lines.push('· KT-4 challenge/response resync: no documented API; the bot prepares the user and hands the console step to an agent');
  });
}

/**
 * The RADIUS path: one Access-Request for a user that cannot exist. A Reject is a pass (STA knows this auth node and
 * the shared secret verifies); an answer that does not verify means the secrets differ; silence means STA dropped
 * the request (unknown auth node address, wrong secret, or a closed port). No real user is ever tried.
 */
async function checkRadius(radius: StaRadiusConfig, { lines, fail, describe }: CheckLines): Promise<void> {
  const client = new StaRadiusClient({ ...radius, retries: Math.min(radius.retries, 1) });
  const where = `${radius.host}:${radius.port}`;
  try {
    const answer = await client.authenticate({ userName: `twofa-desk-check-${randomBytes(6).toString('hex')}`, password: 'not-a-code' });
    if (answer.kind === 'accept') fail(`RADIUS ${where} accepted a user that does not exist: this is not STA's RADIUS service (check STA_RADIUS_HOST)`);
    else lines.push(`✓ RADIUS ${where} answered (${answer.kind === 'reject' ? 'Access-Reject' : 'Access-Challenge'} for a user that does not exist): the auth node and the shared secret are right; MobilePASS tokens are resynced at authentication`);
  } catch (err) {
    fail(`RADIUS ${where}: ${describe(err)}`);
  } finally {
    client.close();
  }
}
