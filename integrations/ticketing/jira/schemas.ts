import { z } from 'zod';
import { AdfNodeSchema } from './adf-text.js';

/**
 * Jira Cloud platform REST API v3, Jira Service Management REST API and webhook shapes: only the fields the adapter
 * reads, each with the page that documents it (README.md, "Shapes and their sources"). Unknown fields are ignored:
 * Atlassian adds fields over time.
 */

const idString = z.string().regex(/^[0-9]+$/, 'a numeric id as a string');
const issueKey = z.string().regex(/^[A-Z][A-Z0-9_]*-[0-9]+$/, 'an issue key such as ITS-12');
/** "2026-12-03T10:00:00.000+0000": Jira's own format, to the millisecond, with the offset of the user's time zone */
const jiraTime = z.string().refine((s) => !Number.isNaN(parseJiraTime(s)), 'a Jira time such as 2026-12-03T10:00:00.000+0000');

/** Jira writes offsets without a colon (+0000), which Date.parse does not read everywhere: add it. */
export function parseJiraTime(s: string): number {
  return Date.parse(s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

/**
 * User (platform): GET /rest/api/3/myself, GET /rest/api/3/user?accountId=, `reporter` and `assignee` of an issue.
 * `accountType`: `atlassian` (licensed users, agents), `app`, `customer` (JSM portal-only customers).
 * `emailAddress` may be absent: Atlassian hides it by the user's profile visibility.
 */
export const JiraUserSchema = z.object({
  accountId: z.string().min(1),
  accountType: z.enum(['atlassian', 'app', 'customer', 'unknown']).optional(),
  displayName: z.string().optional(),
  emailAddress: z.string().nullable().optional(),
  active: z.boolean().optional(),
  timeZone: z.string().optional(),
  /**
   * GET /rest/api/3/user only (not the UserDetails of an issue's `reporter`): "The locale of the user. Depending on the
   * user's privacy setting, this may be returned as null", in Java's form ("en_US"). Any string here: an odd value
   * only costs the bot its hint (normaliseLocale), never the request.
   */
  locale: z.string().nullable().optional(),
});
export type JiraUser = z.infer<typeof JiraUserSchema>;

/** Status of an issue or of a transition's target: `statusCategory.key` is `new`, `indeterminate` or `done`. */
export const JiraStatusSchema = z.object({
  id: idString,
  name: z.string().min(1),
  statusCategory: z.object({ key: z.enum(['new', 'indeterminate', 'done', 'undefined']) }),
});
export type JiraStatus = z.infer<typeof JiraStatusSchema>;

/** Transition (GET /rest/api/3/issue/{key}/transitions, or `transitions` of an issue read with expand=transitions). */
export const JiraTransitionSchema = z.object({
  id: idString,
  name: z.string(),
  to: JiraStatusSchema,
  isAvailable: z.boolean().optional(),
});
export type JiraTransition = z.infer<typeof JiraTransitionSchema>;

export const TransitionsResponseSchema = z.object({ transitions: z.array(JiraTransitionSchema) });

/** The fields the adapter asks for: ?fields=summary,description,status,labels,reporter,assignee,project,issuetype,created,updated */
export const JiraIssueFieldsSchema = z.object({
  summary: z.string().nullable(),
  /** the request's description as the customer wrote it on the portal: v3 gives it in Atlassian Document Format */
  description: AdfNodeSchema.nullable().optional(),
  status: JiraStatusSchema,
  labels: z.array(z.string()),
  reporter: JiraUserSchema.nullable(),
  assignee: JiraUserSchema.nullable().optional(),
  project: z.object({ id: idString, key: z.string().min(1) }),
  issuetype: z.object({ id: idString }).optional(),
  created: jiraTime,
  updated: jiraTime,
});

/** GET /rest/api/3/issue/{issueIdOrKey}?fields=…&expand=transitions */
export const JiraIssueSchema = z.object({
  id: idString,
  key: issueKey,
  fields: JiraIssueFieldsSchema,
  transitions: z.array(JiraTransitionSchema).optional(),
});
export type JiraIssue = z.infer<typeof JiraIssueSchema>;

/** POST /rest/api/3/search/jql (enhanced search): `nextPageToken` until the last page (`isLast`). */
export const SearchJqlResponseSchema = z.object({
  issues: z.array(z.object({ id: idString, key: issueKey, fields: z.object({ updated: jiraTime }) })),
  nextPageToken: z.string().nullable().optional(),
  isLast: z.boolean().optional(),
});

/** JSM DateDTO */
const DateDtoSchema = z.object({ epochMillis: z.number().int(), iso8601: z.string().optional() });

/**
 * JSM CommentDTO: GET/POST /rest/servicedeskapi/request/{issueIdOrKey}/comment. `public`: visible to the customer on
 * the portal; `false` is an internal comment. The body is Jira wiki markup as written.
 */
export const JsmCommentSchema = z.object({
  id: idString,
  body: z.string(),
  public: z.boolean(),
  author: z.object({ accountId: z.string().min(1), displayName: z.string().optional(), emailAddress: z.string().nullable().optional() }),
  created: DateDtoSchema,
});
export type JsmComment = z.infer<typeof JsmCommentSchema>;

/** JSM PagedDTO (start, limit, isLastPage, values) */
export const JsmCommentsPageSchema = z.object({
  start: z.number().int().min(0),
  limit: z.number().int().min(1),
  isLastPage: z.boolean(),
  values: z.array(JsmCommentSchema),
});

/** JSM CustomerRequestDTO: GET /rest/servicedeskapi/request/{issueIdOrKey} (the reporter as the service desk knows them) */
export const JsmRequestSchema = z.object({
  issueId: idString,
  issueKey,
  requestTypeId: idString,
  serviceDeskId: idString,
  reporter: z.object({ accountId: z.string().min(1), displayName: z.string().optional(), emailAddress: z.string().nullable().optional() }),
});

/** JSM ServiceDeskDTO: GET /rest/servicedeskapi/servicedesk/{serviceDeskId} */
export const JsmServiceDeskSchema = z.object({ id: idString, projectId: idString, projectKey: z.string().min(1), projectName: z.string() });

/** Error bodies of the platform API (`errorMessages`, `errors`) and of JSM (`errorMessage`). */
export const ErrorBodySchema = z.object({
  errorMessages: z.array(z.string()).optional(),
  errors: z.record(z.string(), z.string()).optional(),
  errorMessage: z.string().optional(),
});

/** A user as a webhook carries it (`user`, `comment.author`). */
const WebhookUserSchema = z.object({ accountId: z.string().min(1), accountType: z.string().optional() });

/** A changelog item of jira:issue_updated: `labels` carry the labels space-separated in `fromString` / `toString`. */
const ChangelogItemSchema = z.object({
  field: z.string(),
  fieldId: z.string().optional(),
  from: z.string().nullable().optional(),
  fromString: z.string().nullable().optional(),
  to: z.string().nullable().optional(),
  toString: z.string().nullable().optional(),
});

const webhookIssue = z.object({
  id: idString,
  key: issueKey,
  fields: z
    .object({
      labels: z.array(z.string()).optional(),
      reporter: WebhookUserSchema.nullable().optional(),
      status: JiraStatusSchema.optional(),
    })
    .optional(),
});

/**
 * An admin webhook's body (jira:issue_created, jira:issue_updated, comment_created …): `timestamp` is when Jira made
 * the event (ms since the epoch), signed with the rest of the body.
 */
export const AdminWebhookSchema = z.object({
  timestamp: z.number().int().positive(),
  webhookEvent: z.string().min(1),
  user: WebhookUserSchema.optional(),
  issue: webhookIssue,
  changelog: z.object({ id: z.string().optional(), items: z.array(ChangelogItemSchema) }).optional(),
  comment: z
    .object({
      id: idString,
      /** wiki markup as a v2 representation; kept in this process's memory only (it may hold codes), never stored */
      body: z.string().optional(),
      author: WebhookUserSchema.optional(),
      /** JSM's visibility of the comment (false: internal); absent outside a service project */
      jsdPublic: z.boolean().optional(),
    })
    .optional(),
});
export type AdminWebhook = z.infer<typeof AdminWebhookSchema>;

/**
 * The body of an Automation rule's "Send web request", written by the admin as the README shows:
 * `{"twofa_desk": "automation", "issue_key": "{{issue.key}}"}`.
 */
export const AutomationWebhookSchema = z.object({
  twofa_desk: z.literal('automation'),
  issue_key: issueKey,
});
