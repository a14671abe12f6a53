import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { limitedRetryHooks, type RequestLimiter } from '../request-limiter.js';
import { keepAliveHttp, type KeepAliveHttp } from '../../shared/keep-alive-http.js';
import { retryLimits, sendWithRetries, type RetryLimits, type RetryOptions, type RetryPolicy } from '../../shared/http-retry.js';
import { readAnswer, type DeskAnswers, type DeskCall } from '../desk-answer.js';
import { TicketingAuthFailed } from '../errors.js';
import type { ServiceNowCredentials } from './config.js';
import { ServiceNowToken } from './oauth-token.js';
import {
  CHOICE_FIELDS,
  ChoiceListSchema,
  ErrorBodySchema,
  GroupResultSchema,
  INCIDENT_FIELDS,
  IncidentListSchema,
  IncidentResultSchema,
  JOURNAL_FIELDS,
  JournalListSchema,
  SYS_USER_FIELDS,
  SysUserListSchema,
  SysUserResultSchema,
  type Choice,
  type Incident,
  type JournalEntry,
  type SysUser,
} from './schemas.js';
import { ServiceNowRequestRefused, ServiceNowResponseInvalid } from './servicenow-errors.js';

export const SYSTEM = 'servicenow';
const TABLE = '/api/now/table';
/** records per page of a list (sysparm_limit); the next page is sysparm_offset + this */
const PAGE = 100;

export { NO_LIMIT, type RequestLimiter } from '../request-limiter.js';

export interface ServiceNowClientOptions extends RetryOptions {
  instanceUrl: string;
  credentials: ServiceNowCredentials;
  limiter: RequestLimiter;
  timeoutMs?: number;
}

/** The fields of one PATCH of an incident (actual values: choice values and sys_ids). */
export interface IncidentPatch {
  comments?: string;
  work_notes?: string;
  state?: string;
  hold_reason?: string;
  close_code?: string;
  close_notes?: string;
  assignment_group?: string;
}

/** Actual values, reference fields as plain sys_ids: what every read asks for. */
const PLAIN = { sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true' };

/** The ServiceNow Table API with basic or OAuth client-credentials auth, time-outs, retries, a shared rate limit and typed errors. */
export class ServiceNowClient {
  private readonly http: AxiosInstance;
  private readonly agent: KeepAliveHttp['agent'];
  private readonly limits: RetryLimits;
  private readonly token: ServiceNowToken | undefined;
  private readonly basic: string | undefined;

  constructor(private readonly options: ServiceNowClientOptions) {
    this.limits = retryLimits(options);
    ({ http: this.http, agent: this.agent } = keepAliveHttp(options.instanceUrl.replace(/\/+$/, ''), options.timeoutMs, { accept: 'application/json' }));
    const { credentials } = options;
    if (credentials.kind === 'basic') this.basic = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}`;
    else this.token = new ServiceNowToken(this.http, credentials, () => options.limiter.beforeRequest(), options.now);
  }

  /** GET /api/now/table/incident/{sys_id} */
  async getIncident(sysId: string): Promise<Incident> {
    const params = { ...PLAIN, sysparm_fields: INCIDENT_FIELDS };
    return (await this.send({ method: 'GET', path: `${TABLE}/incident/${enc(sysId)}`, params, retry: 'always', what: `read incident ${sysId}`, ticketId: sysId }, IncidentResultSchema)).result;
  }

  /** Every incident the encoded query finds, sys_id and sys_updated_on only, page by page (sysparm_limit/sysparm_offset). */
  async listIncidents(query: string): Promise<Array<{ sys_id: string; sys_updated_on: string }>> {
    const out: Array<{ sys_id: string; sys_updated_on: string }> = [];
    for (let offset = 0; ; offset += PAGE) {
      const params = { ...PLAIN, sysparm_query: query, sysparm_fields: 'sys_id,sys_updated_on', sysparm_limit: String(PAGE), sysparm_offset: String(offset), sysparm_no_count: 'true' };
      const page = await this.send({ method: 'GET', path: `${TABLE}/incident`, params, retry: 'always', what: 'list watched incidents' }, IncidentListSchema);
      out.push(...page.result);
      if (page.result.length < PAGE) return out;
    }
  }

  /** GET /api/now/table/sys_user/{sys_id} */
  async getUser(sysId: string): Promise<SysUser> {
    const params = { ...PLAIN, sysparm_fields: SYS_USER_FIELDS };
    return (await this.send({ method: 'GET', path: `${TABLE}/sys_user/${enc(sysId)}`, params, retry: 'always', what: `read user ${sysId}` }, SysUserResultSchema)).result;
  }

  /** The API user itself: sys_user where sys_id is javascript:gs.getUserID() (the Table API's own example). */
  async currentUser(): Promise<SysUser> {
    const params = { ...PLAIN, sysparm_query: 'sys_id=javascript:gs.getUserID()', sysparm_fields: SYS_USER_FIELDS, sysparm_limit: '1' };
    const list = await this.send({ method: 'GET', path: `${TABLE}/sys_user`, params, retry: 'always', what: 'read the API user' }, SysUserListSchema);
    const me = list.result[0];
    if (!me) throw new ServiceNowResponseInvalid('read the API user', 'result', 'no sys_user for gs.getUserID(): the user may not read its own record (sys_user ACL)');
    return me;
  }

  /** The incident's Additional comments and Work notes, oldest first: sys_journal_field by element_id. */
  async journal(sysId: string): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const query = `element_id=${sysId}^name=incident^element=comments^ORelement=work_notes^ORDERBYsys_created_on`;
    for (let offset = 0; ; offset += PAGE) {
      const params = { ...PLAIN, sysparm_query: query, sysparm_fields: JOURNAL_FIELDS, sysparm_limit: String(PAGE), sysparm_offset: String(offset), sysparm_no_count: 'true' };
      const page = await this.send({ method: 'GET', path: `${TABLE}/sys_journal_field`, params, retry: 'always', what: `read the journal of incident ${sysId}` }, JournalListSchema);
      out.push(...page.result);
      if (page.result.length < PAGE) return out;
    }
  }

  /** The instance's active English choices of incident.state, hold_reason and close_code (sys_choice). */
  async incidentChoices(): Promise<Choice[]> {
    const query = 'name=incident^element=state^ORelement=hold_reason^ORelement=close_code^language=en^inactive=false^ORDERBYsequence';
    const params = { ...PLAIN, sysparm_query: query, sysparm_fields: CHOICE_FIELDS, sysparm_limit: '500' };
    return (await this.send({ method: 'GET', path: `${TABLE}/sys_choice`, params, retry: 'always', what: 'read the incident choice lists' }, ChoiceListSchema)).result;
  }

  /** GET /api/now/table/sys_user_group/{sys_id} */
  async getGroup(sysId: string): Promise<{ sys_id: string; name: string; active?: 'true' | 'false' | undefined }> {
    const params = { ...PLAIN, sysparm_fields: 'sys_id,name,active' };
    return (await this.send({ method: 'GET', path: `${TABLE}/sys_user_group/${enc(sysId)}`, params, retry: 'always', what: `read group ${sysId}` }, GroupResultSchema)).result;
  }

  /** PATCH /api/now/table/incident/{sys_id}: journal entries and field changes in one update. */
  async updateIncident(sysId: string, patch: IncidentPatch, retry: RetryPolicy): Promise<Incident> {
    const params = { ...PLAIN, sysparm_fields: INCIDENT_FIELDS };
    return (await this.send({ method: 'PATCH', path: `${TABLE}/incident/${enc(sysId)}`, params, data: patch, retry, what: `update incident ${sysId}`, ticketId: sysId }, IncidentResultSchema)).result;
  }

  close(): void {
    this.agent.destroy();
  }

  private async send<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    return this.options.limiter.guard(call.what, () => this.attempts(call, schema));
  }

  private async attempts<S extends z.ZodType>(call: DeskCall, schema: S): Promise<z.output<S>> {
    const { limiter } = this.options;
    let refreshed = false;
    const res = await sendWithRetries(
      call,
      this.limits,
      {
        // a 429 is the instance's rate limit rule: every worker waits it out together
        ...limitedRetryHooks(SYSTEM, limiter),
        // an OAuth token ServiceNow no longer takes: one new token, then the same request (never applied: 401)
        againAtOnce: (r) => {
          if (r.status !== 401 || !this.token || refreshed) return false;
          refreshed = true;
          this.token.invalidate();
          return true;
        },
      },
      async () => this.http.request<unknown>({ method: call.method, url: call.path, params: call.params, data: call.data, headers: { authorization: await this.authorization() } }),
    );
    return readAnswer(ANSWERS, res, call, schema);
  }

  private async authorization(): Promise<string> {
    if (this.basic !== undefined) return this.basic;
    if (!this.token) throw new TicketingAuthFailed(SYSTEM);
    return `Bearer ${await this.token.get()}`;
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** ServiceNow's error message and detail, cut short; never the request. */
function errorText(data: unknown): string {
  const body = ErrorBodySchema.safeParse(data);
  if (!body.success) return 'no ServiceNow error body: check SERVICENOW_INSTANCE_URL';
  const { message, detail } = body.data.error;
  return `${message ?? 'error'}${detail ? `: ${detail}` : ''}`.slice(0, 200);
}

/** How this desk's refusals and misshapen answers are named. */
const ANSWERS: DeskAnswers = {
  system: SYSTEM,
  refused: (status, what, detail) => new ServiceNowRequestRefused(status, what, detail),
  responseInvalid: (what, field, detail) => new ServiceNowResponseInvalid(what, field, detail),
  errorText,
};
