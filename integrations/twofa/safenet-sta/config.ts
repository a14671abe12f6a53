import { z } from 'zod';
import { ConfigError } from '../../../workers/config.js';
import { guardEnvShape, guardSettings } from '../shared/guard-config.js';
import type { GuardSettings } from '../shared/platform-guard.js';

const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().min(1).optional());
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
  STA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  STA_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ...guardEnvShape('STA'),
});

export interface StaSoapConfig {
  url: string;
  user: string;
  password: string;
  organization?: string;
}

export interface StaConfig {
  apiUrl: string;
  tenantCode: string;
  apiKey: string;
  /** STA_CONSOLE_URL: named in the agents' console steps */
  consoleUrl: string;
  soap?: StaSoapConfig;
  userScanPages: number;
  timeoutMs: number;
  retries: number;
  guard: GuardSettings;
}

/** Reads and checks the STA_* variables; a bad one throws ConfigError naming it (no value is echoed). */
export function loadStaConfig(source: NodeJS.ProcessEnv): StaConfig {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'STA_API_URL'), issue?.message ?? 'invalid');
  }
  const env = parsed.data;
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
  return {
    apiUrl: env.STA_API_URL,
    tenantCode: env.STA_TENANT_CODE,
    apiKey: env.STA_API_KEY,
    consoleUrl: env.STA_CONSOLE_URL,
    ...(soap ? { soap } : {}),
    userScanPages: env.STA_USER_SCAN_PAGES,
    timeoutMs: env.STA_TIMEOUT_MS,
    retries: env.STA_RETRIES,
    guard: guardSettings(env, 'STA'),
  };
}
