import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { decodeSecret } from './hotp.js';

/** The embedded platform's seed file: who exists, in which groups, holding which tokens. */

const MIN_SECRET_BYTES = 16;

// Messages never quote the value: a bad secret must not end up in a log.
const SecretSchema = z.string().superRefine((secret, ctx) => {
  let bytes: number;
  try {
    bytes = decodeSecret(secret).length;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not base32 (A–Z, 2–7)' });
    return;
  }
  if (bytes < MIN_SECRET_BYTES) ctx.addIssue({ code: 'custom', message: `decodes to ${bytes} bytes; at least ${MIN_SECRET_BYTES} are needed` });
});

export const SeedUserSchema = z.strictObject({
  id: z.string().min(1),
  userName: z.string().min(1),
  firstName: z.string(),
  lastName: z.string(),
  email: z.email().optional(),
});

export const SeedTokenSchema = z
  .strictObject({
    serial: z.string().min(1),
    userId: z.string().min(1),
    kind: z.enum(['mobilepass', 'kt4']),
    secret: SecretSchema,
    /** the server's counter: the next code it expects */
    counter: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    state: z.enum(['active', 'locked', 'revoked', 'disabled']),
    digits: z.union([z.literal(6), z.literal(8)]).optional(),
  })
  .superRefine((token, ctx) => {
    if (token.kind === 'kt4' && token.digits === 6) ctx.addIssue({ code: 'custom', path: ['digits'], message: 'a KT-4 always shows 8 digits' });
  })
  .transform((token) => ({ ...token, digits: token.digits ?? (token.kind === 'kt4' ? 8 : 6) }) as const);

export const SeedSchema = z
  .strictObject({
    users: z.array(SeedUserSchema),
    groups: z.array(z.string().min(1)),
    memberships: z.array(z.strictObject({ userId: z.string().min(1), group: z.string().min(1) })),
    tokens: z.array(SeedTokenSchema),
  })
  .superRefine((seed, ctx) => {
    const ids = new Set<string>();
    const userNames = new Set<string>();
    seed.users.forEach((user, i) => {
      if (ids.has(user.id)) ctx.addIssue({ code: 'custom', path: ['users', i, 'id'], message: `duplicate user id "${user.id}"` });
      ids.add(user.id);
      // Logins match user names case-insensitively, so two spellings would be one login.
      const key = user.userName.toLowerCase();
      if (userNames.has(key)) ctx.addIssue({ code: 'custom', path: ['users', i, 'userName'], message: `duplicate user name "${user.userName}"` });
      userNames.add(key);
    });
    const groups = new Set(seed.groups);
    seed.memberships.forEach((m, i) => {
      if (!ids.has(m.userId)) ctx.addIssue({ code: 'custom', path: ['memberships', i, 'userId'], message: `no user "${m.userId}"` });
      if (!groups.has(m.group)) ctx.addIssue({ code: 'custom', path: ['memberships', i, 'group'], message: `no group "${m.group}" in groups` });
    });
    const serials = new Set<string>();
    seed.tokens.forEach((t, i) => {
      if (serials.has(t.serial)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'serial'], message: `duplicate serial "${t.serial}"` });
      serials.add(t.serial);
      if (!ids.has(t.userId)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'userId'], message: `no user "${t.userId}"` });
    });
  });

export type Seed = z.output<typeof SeedSchema>;
export type SeedUser = Seed['users'][number];
export type SeedToken = Seed['tokens'][number];

/** A seed file that cannot be loaded; the message names the file and each bad field. */
export class InvalidSeed extends Error {
  override readonly name = 'InvalidSeed';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid 2FA seed ${source}: ${problems.join('; ')}`);
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

export function parseSeed(json: unknown, source = 'seed'): Seed {
  const result = SeedSchema.safeParse(json);
  if (!result.success) throw new InvalidSeed(source, result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`));
  return result.data;
}

export async function loadSeedFile(path: string): Promise<Seed> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Only the position: newer engines quote the text around the error, which may be a secret.
    const at = err instanceof Error ? /position \d+/.exec(err.message)?.[0] : undefined;
    throw new InvalidSeed(path, [`not valid JSON${at ? ` (at ${at})` : ''}`]);
  }
  return parseSeed(json, path);
}
