import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';
import { guardEnvShape, guardSettings } from '../shared/guard-config.js';
import type { GuardSettings } from '../shared/platform-guard.js';

const optionalText = z.preprocess(blankIsUnset, z.string().min(1).optional());

const EnvSchema = z.object({
  PRIVACYIDEA_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, '')),
  PRIVACYIDEA_REALM: z.string().min(1),
  PRIVACYIDEA_ADMIN_USER: optionalText,
  PRIVACYIDEA_ADMIN_PASSWORD: optionalText,
  PRIVACYIDEA_API_TOKEN: optionalText,
  PRIVACYIDEA_CA_FILE: optionalText,
  PRIVACYIDEA_GROUP_ATTRIBUTE: optionalText,
  PRIVACYIDEA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PRIVACYIDEA_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  ...guardEnvShape('PRIVACYIDEA'),
});

export type PrivacyIdeaCredentials = { kind: 'password'; username: string; password: string } | { kind: 'token'; token: string };

export interface PrivacyIdeaConfig {
  url: string;
  realm: string;
  credentials: PrivacyIdeaCredentials;
  /** PEM text of PRIVACYIDEA_CA_FILE, trusted in addition to the system's CAs */
  ca?: string;
  /** custom user attribute holding the user's groups (comma-separated); none: the realm is the only group */
  groupAttribute?: string;
  timeoutMs: number;
  retries: number;
  guard: GuardSettings;
}

/** Reads and checks the PRIVACYIDEA_* variables; a bad one throws ConfigError naming it (no value is echoed). */
export function loadPrivacyIdeaConfig(source: NodeJS.ProcessEnv): PrivacyIdeaConfig {
  const env = parseConfig(EnvSchema, source, 'PRIVACYIDEA_URL');
  let credentials: PrivacyIdeaCredentials;
  if (env.PRIVACYIDEA_API_TOKEN !== undefined) {
    if (env.PRIVACYIDEA_ADMIN_USER !== undefined || env.PRIVACYIDEA_ADMIN_PASSWORD !== undefined) {
      throw new ConfigError('PRIVACYIDEA_API_TOKEN', 'set either PRIVACYIDEA_API_TOKEN or PRIVACYIDEA_ADMIN_USER/PRIVACYIDEA_ADMIN_PASSWORD, not both');
    }
    credentials = { kind: 'token', token: env.PRIVACYIDEA_API_TOKEN };
  } else if (env.PRIVACYIDEA_ADMIN_USER === undefined) {
    throw new ConfigError('PRIVACYIDEA_ADMIN_USER', 'required (with PRIVACYIDEA_ADMIN_PASSWORD) unless PRIVACYIDEA_API_TOKEN is set');
  } else if (env.PRIVACYIDEA_ADMIN_PASSWORD === undefined) {
    throw new ConfigError('PRIVACYIDEA_ADMIN_PASSWORD', 'required with PRIVACYIDEA_ADMIN_USER');
  } else {
    credentials = { kind: 'password', username: env.PRIVACYIDEA_ADMIN_USER, password: env.PRIVACYIDEA_ADMIN_PASSWORD };
  }
  let ca: string | undefined;
  if (env.PRIVACYIDEA_CA_FILE !== undefined) {
    try {
      ca = readFileSync(env.PRIVACYIDEA_CA_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError('PRIVACYIDEA_CA_FILE', `cannot read ${env.PRIVACYIDEA_CA_FILE}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('PRIVACYIDEA_CA_FILE', `${env.PRIVACYIDEA_CA_FILE} holds no PEM certificate`);
  }
  return {
    url: env.PRIVACYIDEA_URL,
    realm: env.PRIVACYIDEA_REALM,
    credentials,
    ...(ca !== undefined ? { ca } : {}),
    ...(env.PRIVACYIDEA_GROUP_ATTRIBUTE !== undefined ? { groupAttribute: env.PRIVACYIDEA_GROUP_ATTRIBUTE } : {}),
    timeoutMs: env.PRIVACYIDEA_TIMEOUT_MS,
    retries: env.PRIVACYIDEA_RETRIES,
    guard: guardSettings(env, 'PRIVACYIDEA'),
  };
}
