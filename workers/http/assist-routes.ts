import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LinkIdSchema, type CodeVault, type HeldCodes, type HeldDescription } from '../assist/code-vault.js';
import { opsAccess } from './ops-auth.js';

export interface AssistDeps {
  vault: CodeVault;
  adminToken: string | undefined;
}

const ParamsSchema = z.object({ linkId: LinkIdSchema });

/** The pages hold secrets: nothing cached, indexed, framed, sniffed or loaded from elsewhere, and no referrer. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * `GET /assist/:linkId`: what a held pair of resync codes is for, and a button that reveals them. The GET never
 * consumes them: link scanners and prefetchers follow links in tickets. `POST /assist/:linkId`: the codes, once.
 * Both only behind ADMIN_TOKEN. The codes are never in a URL, so request logs cannot hold them.
 */
export async function register(app: FastifyInstance, deps: AssistDeps): Promise<void> {
  const access = opsAccess(deps.adminToken);

  await app.register(async (scope) => {
    // The reveal button posts an empty form; the body is not read.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 1024 }, (_req, _body, done) => done(null, undefined));
    scope.addHook('onRequest', async (_req, reply) => {
      reply.headers(PAGE_HEADERS);
    });

    /** The link id, or undefined once the request was answered (refused, or a malformed id). */
    const admit = async (req: FastifyRequest, reply: FastifyReply): Promise<string | undefined> => {
      if (!deps.adminToken) {
        await reply.code(403).send({ error: 'forbidden', message: 'set ADMIN_TOKEN: the one-time code page is served only behind it' });
        return undefined;
      }
      const granted = await access(req, reply);
      if (!granted) return undefined;
      if (granted !== 'write') {
        await reply.code(403).send({ error: 'forbidden', message: 'the one-time code page needs ADMIN_TOKEN' });
        return undefined;
      }
      const params = ParamsSchema.safeParse(req.params);
      if (!params.success) {
        await reply.code(400).send({ error: 'bad_link', message: `linkId: ${params.error.issues[0]?.message ?? 'invalid'}` });
        return undefined;
      }
      return params.data.linkId;
    };

    scope.get('/assist/:linkId', async (req, reply) => {
      const linkId = await admit(req, reply);
      if (linkId === undefined) return reply;
      const about = await deps.vault.describe(linkId);
      if (!about) return gone(reply);
      return reply.type('text/html; charset=utf-8').send(describePage(linkId, about));
    });

    scope.post('/assist/:linkId', async (req, reply) => {
      const linkId = await admit(req, reply);
      if (linkId === undefined) return reply;
      // A browser marks a form posted from another site: such a post could burn the codes with a cached password.
      const site = req.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') {
        return reply.code(403).send({ error: 'forbidden', message: 'the codes are revealed only by the button on their own page' });
      }
      const held = await deps.vault.take(linkId);
      if (!held) return gone(reply);
      req.log.info({ ticket: held.ticket }, 'one-time resync codes shown');
      return reply.type('text/html; charset=utf-8').send(codesPage(held));
    });
  });
}

function gone(reply: FastifyReply): FastifyReply {
  return reply
    .code(410)
    .type('text/html; charset=utf-8')
    .send(page('Codes gone', '<h1>Codes gone</h1><p class="warn">These codes were already shown or expired: ask the requester for two new codes.</p>'));
}

function describePage(linkId: string, about: HeldDescription): string {
  return page(
    `Resync codes for ${about.ticket}`,
    `<h1>Resync codes for ticket ${esc(about.ticket)}</h1>
${facts(about)}
<dl><dt>Expires</dt><dd>${esc(new Date(about.expiresAt).toISOString())}</dd></dl>
${steps(about.consoleSteps)}
<p>Open the STA console's Resync dialog first: the codes can be shown once only, then they are deleted.</p>
<form method="post" action="/assist/${esc(linkId)}"><button type="submit">Show the codes (once)</button></form>`,
  );
}

function codesPage(held: HeldCodes): string {
  const boxes = held.codes.map((code, i) => `<div class="code"><span class="box">${esc(boxName(i))}</span><output>${esc(code)}</output></div>`).join('\n');
  return page(
    `Resync codes for ${held.ticket}`,
    `<h1>Resync codes for ticket ${esc(held.ticket)}</h1>
${facts(held)}
<section class="codes">
${boxes}
</section>
<p class="warn">These codes are now deleted from twofa-desk: reloading this page will not show them again.</p>
${steps(held.consoleSteps)}`,
  );
}

function facts(about: Omit<HeldCodes, 'codes'>): string {
  return `<dl>
<dt>User</dt><dd>${esc(about.userName)}</dd>
<dt>Token serial</dt><dd>${esc(about.serial)}</dd>
<dt>Token type</dt><dd>${esc(about.tokenType)}</dd>
</dl>`;
}

function steps(consoleSteps: string): string {
  return consoleSteps ? `<h2>In the STA console</h2>\n<pre>${esc(consoleSteps)}</pre>` : '';
}

const ORDINALS = ['first', 'second', 'third', 'fourth'];

function boxName(i: number): string {
  return `${ORDINALS[i] ?? `#${i + 1}`} box`;
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; padding: 0 1rem; color: #1b1b1b; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: .75rem; border-radius: 4px; }
button { font-size: 1.1rem; padding: .6rem 1.2rem; cursor: pointer; }
.codes { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1.5rem 0; }
.code { display: flex; flex-direction: column; }
.box { text-transform: uppercase; font-size: .8rem; letter-spacing: .05em; color: #555; }
output { font: 700 3rem/1.2 ui-monospace, monospace; letter-spacing: .15em; }
.warn { color: #8a4b00; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body></html>
`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
