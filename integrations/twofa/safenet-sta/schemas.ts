import { z } from 'zod';

/**
 * Shapes of the STA REST responses the adapter reads. The reference (thalesdocs.com/sta/api/rest) names the
 * APIs; the field names are those the Cortex XSOAR "SafeNet Trusted Access" integration reads from them
 * (demisto/content Packs/SafeNet_Trusted_Access: SafeNetTrustedAccess.py, its README samples and the event
 * collector's test data). Unknown fields are ignored.
 */

/** every list answer: `{page: {items, …}, links: {self, next?}}` */
export function paged<T extends z.ZodType>(item: T) {
  return z.object({
    page: z.object({
      items: z.array(item),
      totalItems: z.number().int().optional(),
      totalPages: z.number().int().optional(),
    }),
    links: z.object({ next: z.string().optional() }).catchall(z.unknown()).default({}),
  });
}

/** GET /users/{userName}, GET /users */
export const StaUserSchema = z.object({
  id: z.string().min(1),
  userName: z.string().min(1),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  isSynchronized: z.boolean().optional(),
});
export type StaUser = z.infer<typeof StaUserSchema>;

/** GET /users/{userId}/groups, GET /groups */
export const StaGroupSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().nullish(),
  isSynchronized: z.boolean().optional(),
});
export type StaGroup = z.infer<typeof StaGroupSchema>;

/** GET /logs: one log event */
export const StaLogSchema = z.object({
  timeStamp: z.string(),
  context: z.object({ principalId: z.string().optional() }).catchall(z.unknown()),
  details: z
    .object({
      type: z.string().optional(),
      resultText: z.string().optional(),
      actionText: z.string().optional(),
      credentialType: z.string().optional(),
      serial: z.string().optional(),
    })
    .catchall(z.unknown()),
});
export type StaLog = z.infer<typeof StaLogSchema>;

/** BSIDCA GetTokens: one Named_Tokens_Table row, as the Thales demo client reads it */
export const BsidcaTokenSchema = z.object({
  serialnumber: z.string().min(1),
  state: z.string(),
  type: z.string(),
  userid: z.string().optional(),
});
export type BsidcaToken = z.infer<typeof BsidcaTokenSchema>;
