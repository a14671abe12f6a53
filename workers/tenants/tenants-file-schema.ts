import { z } from 'zod';
import { PLATFORM_KINDS } from './tenant-config.js';

export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** Ticket systems number organizations; YAML reads `4711` as a number. Quote ids with leading zeros ("0042"). */
const OrganizationId = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v),
  z.string().trim().min(1).max(200),
);

const EmailDomain = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '') : v),
  z
    .string()
    .regex(
      /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/,
      'must be a domain name such as acme.example (exact: no @, no wildcard; an international name in its xn-- form)',
    ),
);

const Tag = z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.string().min(1).max(200).regex(/^\S+$/, 'must be one tag, without spaces'));

const unique = <T>(items: T[]): T[] => [...new Set(items)];

/** One tenant as written in TENANTS_FILE, before references are resolved and the policy merged. */
export const TenantEntrySchema = z.strictObject({
  id: z
    .string()
    .regex(TENANT_ID, 'must be 1-40 characters of a-z, 0-9, _ and -, starting with a letter or digit (it goes into Redis keys, metric labels and URLs)')
    .refine((id) => id !== 'other', "'other' is reserved: the metrics label tickets of tenants removed from the file so"),
  name: z.string().trim().min(1).max(200).optional(),
  match: z.strictObject({
    organizations: z.array(OrganizationId).default([]).transform(unique),
    emailDomains: z.array(EmailDomain).default([]).transform(unique),
    tags: z.array(Tag).default([]).transform(unique),
  }),
  platform: z.strictObject({
    kind: z.enum(PLATFORM_KINDS),
    settings: z.record(z.string(), z.unknown()).default({}),
  }),
  policy: z.record(z.string(), z.unknown()).default({}),
  /** platform calls in flight for this tenant at most */
  concurrency: z.number().int().min(1).max(1000).default(8),
});
export type TenantEntry = z.infer<typeof TenantEntrySchema>;

export const TenantsFileSchema = z.strictObject({
  tenants: z.array(z.unknown()).min(1, 'list at least one tenant'),
});
