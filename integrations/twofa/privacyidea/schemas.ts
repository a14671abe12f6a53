import { z } from 'zod';

/**
 * Shapes of the privacyIDEA responses the adapter reads, from the server's own code and docstrings
 * (privacyidea/privacyidea: api/lib/utils.py send_result/send_error, api/auth.py, api/user.py,
 * api/token.py, lib/token/query.py get_tokens_paginate, models/token.py get_vars, api/audit.py,
 * lib/auditmodules/sqlaudit.py audit_entry_to_dict). Unknown fields are ignored, missing ones fail.
 */

/** `{result: {status: false, error: {code, message}}}` — every failure, whatever its HTTP status */
export const ErrorEnvelopeSchema = z.object({
  result: z.object({
    status: z.literal(false),
    error: z.object({ code: z.number().int(), message: z.string() }),
  }),
});

/** `{result: {status: true, value: …}}` */
export function envelope<T extends z.ZodType>(value: T) {
  return z.object({ result: z.object({ status: z.literal(true), value }) });
}

/** POST /auth → result.value */
export const AuthValueSchema = z.object({
  token: z.string().min(1),
  role: z.string().optional(),
  username: z.string().optional(),
  rights: z.array(z.string()).optional(),
});

/** GET /user/ → result.value[] (resolver attributes; all but username are optional in a user store) */
export const UserSchema = z.object({
  username: z.string().min(1),
  userid: z.union([z.string(), z.number()]).optional(),
  givenname: z.string().nullish(),
  surname: z.string().nullish(),
  email: z.string().nullish(),
  resolver: z.string().optional(),
}).catchall(z.unknown());
export type PiUser = z.infer<typeof UserSchema>;
export const UserListSchema = z.array(UserSchema);

/** GET /token/ → result.value */
export const TokenSchema = z.object({
  serial: z.string().min(1),
  tokentype: z.string(),
  active: z.boolean(),
  revoked: z.boolean(),
  locked: z.boolean(),
  failcount: z.number().int(),
  maxfail: z.number().int().optional(),
  otplen: z.number().int(),
  count: z.number().int().optional(),
  sync_window: z.number().int().optional(),
  username: z.string().optional(),
  user_realm: z.string().optional(),
});
export type PiToken = z.infer<typeof TokenSchema>;
export const TokenPageSchema = z.object({
  tokens: z.array(TokenSchema),
  count: z.number().int(),
  next: z.number().int().nullable(),
  prev: z.number().int().nullable(),
});

/** POST /token/resync → result.value */
export const ResyncValueSchema = z.boolean();

/** POST /token/reset → result.value: how many tokens had their fail counter reset (lib/token.py reset_token) */
export const ResetValueSchema = z.number().int();

/** GET /user/attribute?key= → result.value: the attribute's value or null */
export const AttributeValueSchema = z.string().nullable();

/** POST /user/attribute → result.value: the database id of the attribute row */
export const SetAttributeValueSchema = z.number().int();

/** GET /audit/ → result.value */
export const AuditEntrySchema = z.object({
  date: z.string(),
  action: z.string(),
  success: z.union([z.number(), z.boolean()]).nullable(),
  serial: z.string().nullish(),
  user: z.string().nullish(),
  realm: z.string().nullish(),
  /** free text; for GET /token/ the realms the admin may list, "realm: ['a']" / "realm: []" / "realm: None" (api/token.py list_api) */
  info: z.string().nullish(),
});
export type PiAuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditPageSchema = z.object({
  auditdata: z.array(AuditEntrySchema),
  count: z.number().int(),
  current: z.number().int().optional(),
  next: z.number().int().nullable().optional(),
  prev: z.number().int().nullable().optional(),
});
