import { z } from 'zod';
import { LocaleSchema } from './language.js';

/** A person as the 2FA platform knows them. */
export const PlatformUserSchema = z.object({
  id: z.string().min(1),
  userName: z.string().min(1),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});
export type PlatformUser = z.infer<typeof PlatformUserSchema>;

/**
 * A token (authenticator) as the workflow sees it. `mode` decides the flow:
 * otp = MobilePASS-like (two consecutive codes), challenge = KT-4-like (challenge/response).
 */
export const TokenInfoSchema = z.object({
  serial: z.string().min(1),
  /** what the platform calls it, shown to agents: "MobilePASS", "KT-4", "hotp" */
  type: z.string().min(1),
  mode: z.enum(['otp', 'challenge', 'other']),
  state: z.enum(['active', 'locked', 'revoked', 'disabled']),
  codeLength: z.union([z.literal(6), z.literal(8)]),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

/** Who wrote a comment or changed a ticket, relative to the ticket. */
export const ActorRoleSchema = z.enum(['requester', 'end-user', 'agent', 'bot', 'system']);
export type ActorRole = z.infer<typeof ActorRoleSchema>;

export const TicketStatusSchema = z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatusSchema>;

export const RequesterSchema = z.object({
  id: z.string().min(1),
  email: z.string().optional(),
  name: z.string().optional(),
  /** the ticket system's external id for the person, tried as the platform user name */
  externalId: z.string().optional(),
  /**
   * the person's language as the ticket system keeps it (Zendesk's and Jira's user locale, ServiceNow's user Language,
   * the embedded desk's user locale), a BCP-47 tag such as `de` or `fr-CA`: the language the bot replies in
   * (docs/languages.md). None: the desk has none.
   */
  locale: LocaleSchema.optional(),
});
export type Requester = z.infer<typeof RequesterSchema>;

/**
 * The most of a ticket's first message the snapshot carries: enough for the language detector, which reads no more
 * (language-detect.ts), and a bound on what a stored event holds until the drain takes it.
 */
export const FIRST_MESSAGE_MAX = 2_000;

/** The start of a ticket's first message, cut to what the snapshot carries. */
export function firstMessageExcerpt(text: string): string {
  return text.slice(0, FIRST_MESSAGE_MAX);
}

/** What the workflow needs of a ticket when it starts. */
export const TicketSnapshotSchema = z.object({
  system: z.string().min(1),
  id: z.string().min(1),
  subject: z.string().default(''),
  /**
   * The requester's first message where the desk keeps it as a field of the ticket rather than as a comment (JSM's and
   * ServiceNow's description, Zendesk's first comment, which the comment events leave out): its language is the best
   * guess before the requester writes again (docs/languages.md). Cut to FIRST_MESSAGE_MAX; like a comment it may hold
   * codes, so it is never logged, stored events carry it masked (workers/store), and the workflow state never keeps it.
   */
  description: z.string().transform(firstMessageExcerpt).optional(),
  status: TicketStatusSchema,
  tags: z.array(z.string()),
  requester: RequesterSchema,
  /**
   * The customer the ticket belongs to, as the ticket system records it (a PSA company, a Zendesk organization):
   * what routes a ticket to its customer's 2FA tenant. None: the system has no such notion or the ticket has none.
   */
  organization: z.object({ id: z.string().min(1).max(200), name: z.string().max(300).optional() }).optional(),
});
export type TicketSnapshot = z.infer<typeof TicketSnapshotSchema>;
