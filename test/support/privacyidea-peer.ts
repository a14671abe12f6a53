import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The real privacyIDEA 3.12.2 server of this test run (../shared/peers/privacyidea, started once per run by
 * test/support/global-setup.ts, which passes its work dir as TEST_PRIVACYIDEA_WORKDIR).
 *
 * Isolation: the server is shared by every test file of the run. The seeded users (alice, bob, carol) and tokens
 * (HOTP0001ALICE, TOTP0001BOB, HOTP0002CAROL) are read-only for tests: a test that resyncs, logs in or changes
 * attributes makes its own user and token with test/support/privacyidea-admin.ts (fresh names per call).
 */

const SeedUserSchema = z.object({
  username: z.string(),
  userid: z.string(),
  realm: z.string(),
  resolver: z.string(),
  givenname: z.string().nullable(),
  surname: z.string().nullable(),
  email: z.string().nullable(),
  attributes: z.record(z.string(), z.string()),
});

const SeedTokenSchema = z.object({
  serial: z.string(),
  type: z.enum(['hotp', 'totp']),
  user: z.string().nullable(),
  realm: z.string(),
  active: z.boolean(),
  revoked: z.boolean(),
  locked: z.boolean(),
  count: z.number().int(),
  count_window: z.number().int(),
  sync_window: z.number().int(),
  failcount: z.number().int(),
  maxfail: z.number().int(),
  otplen: z.number().int(),
  hashlib: z.string(),
  secret_hex: z.string(),
  secret_ascii: z.string(),
  timestep: z.number().int().optional(),
});

const SeedSchema = z.object({
  privacyidea_version: z.string(),
  url: z.string(),
  realm: z.string(),
  resolver: z.object({ name: z.string(), type: z.string(), driver: z.string(), table: z.string() }),
  admins: z.array(
    z.object({
      username: z.string(),
      password: z.string(),
      email: z.string().optional(),
      policy: z.string(),
      actions: z.string(),
      realm: z.string().optional(),
      note: z.string().optional(),
    }),
  ),
  users: z.array(SeedUserSchema),
  tokens: z.array(SeedTokenSchema),
  /** RFC 4226 codes of the shared secret for counters 0-9, keyed by counter */
  hotp_codes: z.record(z.string(), z.string()),
});

export type PrivacyIdeaSeed = z.infer<typeof SeedSchema>;
export type PrivacyIdeaSeedUser = z.infer<typeof SeedUserSchema>;
export type PrivacyIdeaSeedToken = z.infer<typeof SeedTokenSchema>;

export interface PrivacyIdeaPeer {
  /** http://127.0.0.1:<port>, no trailing slash */
  url: string;
  /** the PRIVACYIDEA_* lines start.sh wrote (the bot admin twofa-desk): loadPrivacyIdeaConfig(env) works as is */
  env: Record<string, string>;
  seed: PrivacyIdeaSeed;
  /** holds etc/privacyidea.log and server.log (the access log) */
  workDir: string;
}

let cached: PrivacyIdeaPeer | undefined;

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2];
  }
  return env;
}

export function privacyIdeaPeer(): PrivacyIdeaPeer {
  if (cached) return cached;
  const workDir = process.env.TEST_PRIVACYIDEA_WORKDIR;
  if (!workDir && process.env.TEST_PRIVACYIDEA === 'off') {
    throw new Error('TEST_PRIVACYIDEA=off: this test needs the real privacyIDEA; run it without TEST_PRIVACYIDEA=off');
  }
  if (!workDir) {
    throw new Error(
      'TEST_PRIVACYIDEA_WORKDIR is not set: run the tests through vitest (its globalSetup starts the real privacyIDEA), ' +
        'or start one with ../shared/peers/privacyidea/start.sh <dir> and set TEST_PRIVACYIDEA_WORKDIR=<dir>',
    );
  }
  const env = parseEnvFile(readFileSync(join(workDir, 'privacyidea.env'), 'utf8'));
  const seed = SeedSchema.parse(JSON.parse(readFileSync(join(workDir, 'seed.json'), 'utf8')));
  const url = env.PRIVACYIDEA_URL;
  if (!url) throw new Error(`${join(workDir, 'privacyidea.env')} has no PRIVACYIDEA_URL`);
  cached = { url: url.replace(/\/+$/, ''), env, seed, workDir };
  return cached;
}
