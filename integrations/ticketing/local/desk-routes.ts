import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { TicketNotFound } from '../errors.js';
import type { DeskStore } from './desk-store.js';
import {
  AGENT_ID_PREFIX,
  AddCommentBodySchema,
  BOT_AUTHOR_ID,
  BotUpdateBodySchema,
  BotUpdateResultSchema,
  CommentIdSchema,
  CreateTicketBodySchema,
  DeskCommentSchema,
  DeskTicketSchema,
  DeskUserSchema,
  NOT_FOUND,
  SetUserBodySchema,
  StatusBodySchema,
  TagSchema,
  TagsBodySchema,
  TicketIdSchema,
  TicketListSchema,
  TicketWithCommentsSchema,
  type DeskRole,
  type DeskTicket,
} from './schemas.js';

export interface DeskRoutesOptions {
  store: DeskStore;
  /** when set, every route asks for `Authorization: Bearer <apiToken>` */
  apiToken?: string | undefined;
}

const TicketParamsSchema = z.object({ id: TicketIdSchema });
const CommentParamsSchema = z.object({ id: TicketIdSchema, commentId: CommentIdSchema });
const ListQuerySchema = z.object({
  tag: TagSchema.optional(),
  unsolved: z.enum(['true', 'false']).optional(),
});
const DEFAULT_AGENT_ID = `${AGENT_ID_PREFIX}desk`;

/**
 * The embedded desk's JSON API, mounted under a prefix by the caller (`/desk`). Bodies are checked with zod both
 * ways: a bad request gets 400 with the field at fault, an unknown ticket 404.
 */
export async function deskRoutes(app: FastifyInstance, opts: DeskRoutesOptions): Promise<void> {
  const { store } = opts;

  if (opts.apiToken !== undefined) {
    const expected = Buffer.from(`Bearer ${opts.apiToken}`, 'utf8');
    app.addHook('onRequest', async (req, reply) => {
      const given = Buffer.from(req.headers.authorization ?? '', 'utf8');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({ error: 'unauthorized', message: 'send Authorization: Bearer <the desk API token>' });
      }
    });
  }

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    if (err instanceof TicketNotFound) return reply.code(404).send({ error: NOT_FOUND, message: err.message });
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'desk request failed');
    return reply.code(status).send({ error: status < 500 ? 'bad_request' : 'internal', message: status < 500 ? err.message : 'internal error' });
  });

  app.post('/api/tickets', async (req, reply) => {
    const body = CreateTicketBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const ticket = await store.createTicket(body.data);
    return reply.code(201).send(DeskTicketSchema.parse(ticket));
  });

  // An agent's (administrator's) action, like Zendesk's Users API: never part of opening a ticket.
  app.put('/api/users', async (req, reply) => {
    const body = SetUserBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const { email, externalId, organization, locale } = body.data;
    if (externalId !== undefined) {
      const saved = await store.setUserExternalId(email, externalId);
      if ('takenBy' in saved) return reply.code(409).send({ error: 'conflict', message: `externalId: already the external id of desk user ${saved.takenBy}` });
    }
    if (organization !== undefined) await store.setUserOrganization(email, organization);
    if (locale !== undefined) await store.setUserLocale(email, locale);
    return reply.send(DeskUserSchema.parse(await store.userRecord(email)));
  });

  app.get('/api/tickets', async (req, reply) => {
    const query = ListQuerySchema.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const tickets = await store.listTickets({ tag: query.data.tag, unsolvedOnly: query.data.unsolved === 'true' });
    return reply.send(TicketListSchema.parse(tickets));
  });

  app.get('/api/tickets/:id', async (req, reply) => {
    const params = TicketParamsSchema.safeParse(req.params);
    const found = params.success ? await store.getTicketWithComments(params.data.id) : undefined;
    if (!found) return notFound(reply, req.params);
    return reply.send(TicketWithCommentsSchema.parse(found));
  });

  app.get('/api/tickets/:id/comments/:commentId', async (req, reply) => {
    const params = CommentParamsSchema.safeParse(req.params);
    const comment = params.success ? await store.getComment(params.data.id, params.data.commentId) : undefined;
    if (!comment) return reply.code(404).send({ error: NOT_FOUND, message: `no such comment on this ticket` });
    return reply.send(DeskCommentSchema.parse(comment));
  });

  app.post('/api/tickets/:id/comments', async (req, reply) => {
    const params = TicketParamsSchema.safeParse(req.params);
    const ticket = params.success ? await store.getTicket(params.data.id) : undefined;
    if (!ticket) return notFound(reply, req.params);
    const body = AddCommentBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const author = resolveAuthor(ticket, body.data.as, body.data.authorId);
    if (typeof author === 'string') return reply.code(400).send({ error: 'bad_request', message: author });
    const endUser = author.role !== 'agent';
    if (endUser && body.data.public === false) return reply.code(400).send({ error: 'bad_request', message: 'public: end users cannot write internal notes' });
    const comment = await store.addComment(ticket.id, { authorId: author.id, authorRole: author.role, public: body.data.public ?? true, body: body.data.body });
    return reply.code(201).send(DeskCommentSchema.parse(comment));
  });

  app.put('/api/tickets/:id/tags', async (req, reply) => {
    const params = TicketParamsSchema.safeParse(req.params);
    if (!params.success) return notFound(reply, req.params);
    const body = TagsBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const ticket = await store.editTags(params.data.id, body.data.add, body.data.remove, body.data.as);
    return reply.send(DeskTicketSchema.parse(ticket));
  });

  app.put('/api/tickets/:id/status', async (req, reply) => {
    const params = TicketParamsSchema.safeParse(req.params);
    if (!params.success) return notFound(reply, req.params);
    const body = StatusBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const ticket = await store.setStatus(params.data.id, body.data.status, body.data.as);
    return reply.send(DeskTicketSchema.parse(ticket));
  });

  app.post('/api/tickets/:id/bot-update', async (req, reply) => {
    const params = TicketParamsSchema.safeParse(req.params);
    if (!params.success) return notFound(reply, req.params);
    const body = BotUpdateBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const result = await store.applyBotUpdate(params.data.id, body.data.update, body.data.idempotencyKey);
    return reply.send(BotUpdateResultSchema.parse(result));
  });
}

/**
 * Who is writing: the requester is the ticket's own user, end users (CCs) must say who they are, agents are the
 * `agent-…` users. The bot's id is never accepted here: its comments come only through bot-update.
 */
function resolveAuthor(ticket: DeskTicket, as: DeskRole, authorId: string | undefined): { id: string; role: DeskRole } | string {
  if (authorId === BOT_AUTHOR_ID) return `authorId: '${BOT_AUTHOR_ID}' is the bot, which writes through bot-update`;
  switch (as) {
    case 'requester':
      if (authorId !== undefined && authorId !== ticket.requester.id) return `authorId: '${authorId}' is not this ticket's requester (${ticket.requester.id})`;
      return { id: ticket.requester.id, role: 'requester' };
    case 'end-user':
      if (authorId === undefined) return 'authorId: required for an end-user comment';
      if (authorId === ticket.requester.id) return `authorId: '${authorId}' is the requester; send as: 'requester'`;
      if (authorId.startsWith(AGENT_ID_PREFIX)) return `authorId: '${authorId}' is an agent; send as: 'agent'`;
      return { id: authorId, role: 'end-user' };
    case 'agent':
      if (authorId !== undefined && !authorId.startsWith(AGENT_ID_PREFIX)) return `authorId: agent ids start with '${AGENT_ID_PREFIX}'`;
      return { id: authorId ?? DEFAULT_AGENT_ID, role: 'agent' };
    case 'bot':
      return `as: the bot writes through bot-update`;
  }
}

function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const message = error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return reply.code(400).send({ error: 'bad_request', message });
}

function notFound(reply: FastifyReply, params: unknown): FastifyReply {
  const id = z.object({ id: z.string() }).safeParse(params);
  return reply.code(404).send({ error: NOT_FOUND, message: `ticket ${id.success ? id.data.id : ''} does not exist` });
}
