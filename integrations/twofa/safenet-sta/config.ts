import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';
import { guardEnvShape, guardSettings } from '../shared/guard-config.js';
import type { GuardSettings } from '../shared/platform-guard.js';

const optionalText = z.preprocess(blankIsUnset, z.string().min(1).optional());
const httpsUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

const EnvSchema = z.object({
  /** the endpoint URL shown in the STA console, Settings > API Keys (without /api/v1/…) */
  STA_API_URL: httpsUrl,
  /** 10 characters, A–Z and 0–9 (thalesdocs.com/sta/api: "Tenant code") */
  STA_TENANT_CODE: z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character tenant code (A-Z, 0-9) shown in Settings > API Keys'),
  STA_API_KEY: z.string().min(8),
  /** the STA console an agent logs in to for what the APIs cannot do (the runbook's address) */
  STA_CONSOLE_URL: z.string().url().default('https://cloud.safenet-inc.com/'),
  STA_SOAP_URL: httpsUrl.optional(),
  STA_SOAP_USER: optionalText,
  STA_SOAP_PASSWORD: optionalText,
  /** BSIDCA `organization` (the account name); empty: the operator's own account */
  STA_SOAP_ORGANIZATION: optionalText,
  /** pages of 100 users read at most when searching by email or last name */
  STA_USER_SCAN_PAGES: z.coerce.number().int().min(1).max(1000).default(20),
  /** seconds the user list read for such a search is kept in Redis for every worker (0: read it for each search) */
  STA_USER_CACHE_TTL_S: z.coerce.number().int().min(0).max(3600).default(60),
  STA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** the STA RADIUS service (opt-in): with it MobilePASS tokens are resynced by two authentications, as the Synchronization policy intends */
  STA_RADIUS_HOST: optionalText,
  STA_RADIUS_PORT: z.coerce.number().int().min(1).max(65535).default(1812),
  STA_RADIUS_SECRET: optionalText,
  /** sent in every Access-Request, so STA's logs and the auth node tell the bot's logins from the user's */
  STA_RADIUS_NAS_IDENTIFIER: z.string().min(1).max(64).default('twofa-desk'),
  STA_RADIUS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** retransmissions of the same packet (RFC 5080: same identifier and authenticator, never evaluated twice) */
  STA_RADIUS_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** pairs of codes the bot sends per ticket at most (each pair is one or two authentications) */
  STA_RADIUS_MAX_PAIRS: z.coerce.number().int().min(1).max(5).default(2),
  /** the tenant's lock-out policy: consecutive failed logins that lock a user (STA's default 3); 0: lock-out off */
  STA_LOCKOUT_THRESHOLD: z.coerce.number().int().min(0).max(100).default(3),
  /** how far back the failed logins that count toward the lock-out are read before codes are sent */
  STA_LOCKOUT_LOOKBACK_MS: z.coerce.number().int().min(60_000).max(30 * 86_400_000).default(86_400_000),
  /** clock difference tolerated between STA's log time stamps and this machine when the bot's own logins are told apart */
  STA_LOG_SKEW_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  STA_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ...guardEnvShape('STA'),
});

export interface StaSoapConfig {
  url: string;
  user: string;
  password: string;
  organization?: string;
}

export interface StaRadiusConfig {
  host: string;
  /** STA's RADIUS port, usually 1812 */
  port: number;
  /** the shared secret of the auth node in STA */
  secret: string;
  nasIdentifier: string;
  /** how long each try waits for an answer */
  timeoutMs: number;
  /** retransmissions after the first try: 1 + retries tries in all */
  retries: number;
  /** pairs of codes per ticket at most */
  maxPairs: number;
}

export interface StaConfig {
  apiUrl: string;
  tenantCode: string;
  apiKey: string;
  /** STA_CONSOLE_URL: named in the agents' console steps */
  consoleUrl: string;
  soap?: StaSoapConfig;
  /** opt-in: resync at authentication over RADIUS */
  radius?: StaRadiusConfig;
  /** the tenant's lock-out threshold (0: none) and how far back failed logins are read */
  lockout: { threshold: number; lookbackMs: number };
  /** tolerated clock difference when the bot's own RADIUS logins are kept out of the re-test check */
  logSkewMs: number;
  userScanPages: number;
  /** STA_USER_CACHE_TTL_S (default 60; 0: off) */
  userCacheTtlS?: number;
  timeoutMs: number;
  retries: number;
  guard: GuardSettings;
}

/** Reads and checks the STA_* variables; a bad one throws ConfigError naming it (no value is echoed). */
export function loadStaConfig(source: NodeJS.ProcessEnv): StaConfig {
  const env = parseConfig(EnvSchema, source, 'STA_API_URL');
  const soapVars = [env.STA_SOAP_URL, env.STA_SOAP_USER, env.STA_SOAP_PASSWORD];
  let soap: StaSoapConfig | undefined;
  if (soapVars.some((v) => v !== undefined)) {
    if (env.STA_SOAP_URL === undefined) throw new ConfigError('STA_SOAP_URL', 'required with STA_SOAP_USER/STA_SOAP_PASSWORD (…/bsidca/BSIDCA.asmx)');
    if (env.STA_SOAP_USER === undefined) throw new ConfigError('STA_SOAP_USER', 'required with STA_SOAP_URL (the operator e-mail)');
    if (env.STA_SOAP_PASSWORD === undefined) throw new ConfigError('STA_SOAP_PASSWORD', 'required with STA_SOAP_URL');
    soap = {
      url: env.STA_SOAP_URL,
      user: env.STA_SOAP_USER,
      password: env.STA_SOAP_PASSWORD,
      ...(env.STA_SOAP_ORGANIZATION !== undefined ? { organization: env.STA_SOAP_ORGANIZATION } : {}),
    };
  }
  let radius: StaRadiusConfig | undefined;
  if (env.STA_RADIUS_HOST !== undefined || env.STA_RADIUS_SECRET !== undefined) {
    if (env.STA_RADIUS_HOST === undefined) throw new ConfigError('STA_RADIUS_HOST', 'required with STA_RADIUS_SECRET (the STA RADIUS address of your zone)');
    if (env.STA_RADIUS_SECRET === undefined || env.STA_RADIUS_SECRET.length < 8) {
      throw new ConfigError('STA_RADIUS_SECRET', 'required with STA_RADIUS_HOST: the shared secret of the auth node (at least 8 characters)');
    }
    radius = {
      host: env.STA_RADIUS_HOST,
      port: env.STA_RADIUS_PORT,
      secret: env.STA_RADIUS_SECRET,
      nasIdentifier: env.STA_RADIUS_NAS_IDENTIFIER,
      timeoutMs: env.STA_RADIUS_TIMEOUT_MS,
      retries: env.STA_RADIUS_RETRIES,
      maxPairs: env.STA_RADIUS_MAX_PAIRS,
    };
  }
  return {
    apiUrl: env.STA_API_URL,
    tenantCode: env.STA_TENANT_CODE,
    apiKey: env.STA_API_KEY,
    consoleUrl: env.STA_CONSOLE_URL,
    ...(soap ? { soap } : {}),
    ...(radius ? { radius } : {}),
    lockout: { threshold: env.STA_LOCKOUT_THRESHOLD, lookbackMs: env.STA_LOCKOUT_LOOKBACK_MS },
    logSkewMs: env.STA_LOG_SKEW_MS,
    userScanPages: env.STA_USER_SCAN_PAGES,
    userCacheTtlS: env.STA_USER_CACHE_TTL_S,
    timeoutMs: env.STA_TIMEOUT_MS,
    retries: env.STA_RETRIES,
    guard: guardSettings(env, 'STA'),
  };
}
