import { z } from 'zod';
import { ConfigError } from '../../shared/config-error.js';
import { blankIsUnset, parseConfig } from '../../shared/parse-config.js';

const required = (what: string) => z.preprocess(blankIsUnset, z.string({ error: `required: ${what}` }).trim().min(1));
const recordId = (what: string) => z.preprocess(blankIsUnset, z.string({ error: `required: ${what}` }).regex(/^[1-9][0-9]{0,9}$/, `${what}: a positive number`).transform(Number));
const optionalId = (what: string) => z.preprocess(blankIsUnset, z.string().regex(/^[1-9][0-9]{0,9}$/, `${what}: a positive number`).transform(Number).optional());
/** A board type or subtype: its id (digits) or its name as the board shows it; no quotes (it goes into a condition). */
const typeRef = z.preprocess(blankIsUnset, z.string().trim().min(1).max(100).regex(/^[^"\\]+$/, 'the name (or id) of the board\'s type or subtype, without quotes or backslashes').optional());
/** Status names (comma-separated candidates, the first the board has is used). */
const statusNames = (fallback: string) => z.preprocess(blankIsUnset, z.string().trim().min(1).max(500).default(fallback)).transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const EnvSchema = z.object({
  CONNECTWISE_SITE: z.preprocess(
    blankIsUnset,
    z
      .string({ error: 'required: the REST API base URL, e.g. https://api-na.myconnectwise.net/v4_6_release/apis/3.0' })
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .transform((u) => u.replace(/\/+$/, '')),
  ),
  CONNECTWISE_COMPANY_ID: required('the company id you type at the PSA log-in'),
  CONNECTWISE_PUBLIC_KEY: required("the API member's public key (System > Members > API Members > API Keys)"),
  CONNECTWISE_PRIVATE_KEY: required("the API member's private key (shown once, when the key is made)"),
  CONNECTWISE_CLIENT_ID: required('the integration\'s clientId from https://developer.connectwise.com/ClientID'),
  CONNECTWISE_BOARD_ID: recordId('the id of the service board the bot works'),
  CONNECTWISE_WATCH_TYPE: typeRef,
  CONNECTWISE_WATCH_SUBTYPE: typeRef,
  CONNECTWISE_API_MEMBER: z.preprocess(
    blankIsUnset,
    z.string({ error: "required: the API member's Member ID (System > Members > API Members), whose keys the bot uses" }).trim().regex(/^[A-Za-z0-9._@-]{1,60}$/, "the API member's Member ID (its identifier)"),
  ),
  CONNECTWISE_CALLBACK_SECRET: z
    .string({ error: 'required: the secret the callback URL carries (…/webhooks/connectwise?secret=<it>)' })
    .min(32, 'too short: use at least 32 random characters (e.g. openssl rand -hex 32)')
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only: it travels in the callback URL (e.g. openssl rand -hex 32)'),
  CONNECTWISE_ESCALATION_BOARD_ID: optionalId('CONNECTWISE_ESCALATION_BOARD_ID'),
  CONNECTWISE_ESCALATION_TEAM_ID: optionalId('CONNECTWISE_ESCALATION_TEAM_ID'),
  CONNECTWISE_ESCALATION_MEMBER: z.preprocess(blankIsUnset, z.string().trim().regex(/^[A-Za-z0-9._@-]{1,60}$/, 'a Member ID (identifier), e.g. jsmith').optional()),
  CONNECTWISE_STATUS_OPEN: statusNames('In Progress'),
  CONNECTWISE_STATUS_PENDING: statusNames('Waiting Customer'),
  CONNECTWISE_STATUS_SOLVED: statusNames('Completed'),
  CONNECTWISE_API_VERSION: z.preprocess(blankIsUnset, z.string().regex(/^\d{4}\.\d{1,2}$/, 'a version such as 2025.16').default('2025.16')),
  CONNECTWISE_POLL_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  CONNECTWISE_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(120),
  CONNECTWISE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CONNECTWISE_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
});

/** A board type or subtype as configured: by id or by name (names compared without case). */
export type TypeRef = { id: number } | { name: string };

/** The status names the bot writes for each workflow status, candidates in order (read as ids from the board). */
export interface StatusNames {
  open: string[];
  pending: string[];
  solved: string[];
}

export interface ConnectWiseConfig {
  /** the REST API base, …/apis/3.0 (a fake in tests) */
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  /** the Accept header's version=… */
  apiVersion: string;
  /** tickets on this board (and of the watch type / subtype, when set) are the bot's */
  boardId: number;
  watchType?: TypeRef;
  watchSubtype?: TypeRef;
  /** the policy's watch tag: a watched ticket carries it in its snapshot (ConnectWise tickets have no tags) */
  watchTag: string;
  /** the API member's identifier (Member ID): a note is the bot's only when this member wrote it with the marker */
  apiMember: string;
  callbackSecret: string;
  /** where an escalation moves the ticket: another board, a team of the board, an owner (any of them; none: only noted) */
  escalation: { boardId?: number; teamId?: number; member?: string };
  statusNames: StatusNames;
  pollIntervalS: number;
  rateLimitPerMin: number;
  timeoutMs: number;
  retries: number;
}

function typeRefOf(value: string | undefined): TypeRef | undefined {
  if (value === undefined) return undefined;
  return /^[1-9][0-9]{0,9}$/.test(value) ? { id: Number(value) } : { name: value };
}

/** Reads and checks the CONNECTWISE_* variables; a bad or missing one throws ConfigError naming it (no value is echoed). */
export function loadConnectWiseConfig(source: NodeJS.ProcessEnv, watchTag = '2fa_issue'): ConnectWiseConfig {
  const env = parseConfig(EnvSchema, source, 'CONNECTWISE_SITE');
  if (env.CONNECTWISE_WATCH_SUBTYPE !== undefined && env.CONNECTWISE_WATCH_TYPE === undefined) {
    throw new ConfigError('CONNECTWISE_WATCH_TYPE', 'required with CONNECTWISE_WATCH_SUBTYPE: a subtype belongs to a type');
  }
  const watchType = typeRefOf(env.CONNECTWISE_WATCH_TYPE);
  const watchSubtype = typeRefOf(env.CONNECTWISE_WATCH_SUBTYPE);
  return {
    site: env.CONNECTWISE_SITE,
    companyId: env.CONNECTWISE_COMPANY_ID,
    publicKey: env.CONNECTWISE_PUBLIC_KEY,
    privateKey: env.CONNECTWISE_PRIVATE_KEY,
    clientId: env.CONNECTWISE_CLIENT_ID,
    apiVersion: env.CONNECTWISE_API_VERSION,
    boardId: env.CONNECTWISE_BOARD_ID,
    ...(watchType ? { watchType } : {}),
    ...(watchSubtype ? { watchSubtype } : {}),
    watchTag: watchTag.toLowerCase(),
    apiMember: env.CONNECTWISE_API_MEMBER,
    callbackSecret: env.CONNECTWISE_CALLBACK_SECRET,
    escalation: {
      ...(env.CONNECTWISE_ESCALATION_BOARD_ID !== undefined ? { boardId: env.CONNECTWISE_ESCALATION_BOARD_ID } : {}),
      ...(env.CONNECTWISE_ESCALATION_TEAM_ID !== undefined ? { teamId: env.CONNECTWISE_ESCALATION_TEAM_ID } : {}),
      ...(env.CONNECTWISE_ESCALATION_MEMBER !== undefined ? { member: env.CONNECTWISE_ESCALATION_MEMBER } : {}),
    },
    statusNames: { open: env.CONNECTWISE_STATUS_OPEN, pending: env.CONNECTWISE_STATUS_PENDING, solved: env.CONNECTWISE_STATUS_SOLVED },
    pollIntervalS: env.CONNECTWISE_POLL_INTERVAL_S,
    rateLimitPerMin: env.CONNECTWISE_RATE_LIMIT_PER_MIN,
    timeoutMs: env.CONNECTWISE_TIMEOUT_MS,
    retries: env.CONNECTWISE_RETRIES,
  };
}
