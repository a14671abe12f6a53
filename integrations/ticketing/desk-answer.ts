import type { AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { HttpCall } from '../shared/http-retry.js';
import { TicketNotFound, TicketingAuthFailed } from './errors.js';

/** One call of a desk's client. */
export interface DeskCall extends HttpCall {
  /** a 404 on this call means this ticket is gone (or not visible to the bot) */
  ticketId?: string;
}

/** How a desk names a refused request and an answer of the wrong shape. */
export interface DeskAnswers {
  system: string;
  refused(status: number, what: string, detail: string): Error;
  responseInvalid(what: string, field: string, detail: string): Error;
  /** the desk's error text of a refused answer, cut short; never the request */
  errorText(data: unknown): string;
}

/** `data` as `schema` reads it, or the desk's response-invalid error naming the first field that differs. */
export function parseAnswer<S extends z.ZodType>(schema: S, data: unknown, what: string, responseInvalid: DeskAnswers['responseInvalid']): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw responseInvalid(what, issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/**
 * The answer no retry would change, as the desk's client returns it: a 401 is the credentials, a 404 on a call about
 * a ticket is that ticket gone, any other status from 300 up is refused, and 2xx is read by `schema`.
 */
export function readAnswer<S extends z.ZodType>(desk: DeskAnswers, res: AxiosResponse<unknown>, call: Pick<DeskCall, 'what' | 'ticketId'>, schema: S): z.output<S> {
  if (res.status === 401) throw new TicketingAuthFailed(desk.system);
  if (res.status === 404 && call.ticketId !== undefined) throw new TicketNotFound(desk.system, call.ticketId);
  if (res.status >= 300) throw desk.refused(res.status, call.what, desk.errorText(res.data));
  return parseAnswer(schema, res.data, call.what, desk.responseInvalid);
}
