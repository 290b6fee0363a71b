import type { FastifyInstance } from 'fastify';
import { identiconSvg } from '../../views/identicon.js';
import type { WebKit } from './web-context.js';

/**
 * `GET /avatars/u/ID`: the account's identicon as an image, for the `avatar_url` the API and
 * GraphQL hand out (accounts are public, as on GitHub; an unknown id is a 404).
 */
export async function avatarRoutes(app: FastifyInstance, { kit }: { kit: WebKit }) {
  app.get('/avatars/u/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const account = /^\d{1,15}$/.test(id) ? await kit.services.accounts.users.findById(Number(id)) : null;
    if (!account) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found\n');
    return reply
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(identiconSvg(account.login));
  });
}
