import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from './json-schema.js';
import type { ApiContext } from './api-context.js';

/** `per_page` (1-100, default 30; larger values are capped as on GitHub) and `page` (from 1). */
export const PageQuery = {
  per_page: Type.Optional(Type.Integer({ minimum: 1, default: 30 })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
};

export interface Page {
  perPage: number;
  page: number;
  offset: number;
}

export function pageOf(query: { per_page?: number; page?: number }): Page {
  const perPage = Math.min(100, query.per_page ?? 30);
  const page = query.page ?? 1;
  return { perPage, page, offset: (page - 1) * perPage };
}

/** GitHub's Link header: absolute URLs to the first, previous, next and last pages. */
export function setLinkHeader(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, page: Page, total: number): void {
  const last = Math.max(1, Math.ceil(total / page.perPage));
  const url = new URL(request.url, ctx.config.baseUrl);
  const link = (n: number, rel: string) => {
    url.searchParams.set('per_page', String(page.perPage));
    url.searchParams.set('page', String(n));
    return `<${ctx.config.baseUrl}${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page.page > 1) parts.push(link(Math.min(page.page - 1, last), 'prev'));
  if (page.page < last) parts.push(link(page.page + 1, 'next'));
  if (page.page < last) parts.push(link(last, 'last'));
  if (page.page > 1) parts.push(link(1, 'first'));
  if (parts.length > 0) reply.header('link', parts.join(', '));
}

/** One page of an in-memory list, with its Link header. */
export function paginate<T>(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, items: T[], query: { per_page?: number; page?: number }): T[] {
  const page = pageOf(query);
  setLinkHeader(ctx, request, reply, page, items.length);
  return items.slice(page.offset, page.offset + page.perPage);
}
