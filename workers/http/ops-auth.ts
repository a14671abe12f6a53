import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a request to an operations route may do. */
export type OpsAccess = 'read' | 'write';

/**
 * The guard of every operations route (/admin/*, /sla/*, /dashboard).
 * - ADMIN_TOKEN set: a request must carry it, as `Authorization: Bearer <token>` (scripts, the CLI) or as the
 *   password of HTTP Basic (browsers prompt for it); it may then read and write.
 * - ADMIN_TOKEN unset: only requests from this machine (loopback) are answered, and read-only.
 * Returns the access granted, or undefined once it has answered 401/403 itself.
 */
export function opsAccess(adminToken: string | undefined) {
  const expected = adminToken ? createHash('sha256').update(adminToken).digest() : undefined;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<OpsAccess | undefined> => {
    if (!expected) {
      if (isLoopback(req.socket.remoteAddress)) return 'read';
      await reply.code(403).send({ error: 'forbidden', message: 'set ADMIN_TOKEN to reach operations routes from another machine' });
      return undefined;
    }
    const presented = tokenOf(req.headers.authorization);
    if (presented !== undefined && timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) return 'write';
    await reply
      .code(401)
      .header('www-authenticate', 'Basic realm="twofa-desk operations", charset="UTF-8"')
      .send({ error: 'unauthorized', message: 'send Authorization: Bearer <ADMIN_TOKEN>' });
    return undefined;
  };
}

function tokenOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
