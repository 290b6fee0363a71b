import { isGitgateError, notFound } from '../../lib/errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { Config } from '../../config.js';
import type { Services } from '../../domain/services.js';
import { type Problems, problemsOf } from '../../views/components.js';
import type { PageContext } from '../../views/page-context.js';
import { renderDocument } from '../../views/render.js';
import { createFlash, type Flash } from './flash.js';
import { sessionOf } from './web-session.js';

export interface WebDeps {
  services: Services;
  config: Config;
}

/** Helpers every web route module shares; built once per plugin. */
export function createWebKit(deps: WebDeps) {
  const flash = createFlash(deps.services, deps.config);

  /** The page context; `takeFlash` consumes the one-time message meant for this page. */
  function context(request: FastifyRequest, reply: FastifyReply, options: { takeFlash?: boolean } = {}): PageContext & { flash: Flash | null } {
    const session = sessionOf(request);
    const taken = options.takeFlash ? flash.take(request, reply, session) : null;
    return {
      viewer: session?.user ?? null,
      csrf: reply.generateCsrf(),
      now: deps.services.clock.now(),
      baseUrl: deps.config.baseUrl,
      notice: taken?.notice ?? null,
      flash: taken,
    };
  }

  /** Renders a page; for a signed-in viewer, one indexed query finds the tokens the expiry banner names. */
  async function send(reply: FastifyReply, status: number, page: VNode) {
    const viewer = sessionOf(reply.request)?.user ?? null;
    const expiringTokens = viewer ? await deps.services.tokens.listNearExpiry(viewer) : [];
    // Pages can hold secrets (a new token) and per-user data: never cached.
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderDocument(page, { expiringTokens }));
  }

  /** POST-redirect-GET: 303 so the browser follows with a GET. */
  function redirect(reply: FastifyReply, location: string) {
    return reply.code(303).header('location', location).send();
  }

  return { ...deps, flash, context, send, redirect };
}

export type WebKit = ReturnType<typeof createWebKit>;

/** A form body as a flat record of strings and string lists (url-encoded forms only). */
export type FormBody = Record<string, string | string[] | undefined>;

export function field(body: unknown, name: string): string {
  const value = (body as FormBody | undefined)?.[name];
  if (Array.isArray(value)) return value[0] ?? '';
  return typeof value === 'string' ? value : '';
}

export function fieldList(body: unknown, name: string): string[] {
  const value = (body as FormBody | undefined)?.[name];
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** "42 seconds", "3 minutes": the wait shown on throttled forms. */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Field problems from a domain error, to show beside the form's inputs; anything else is rethrown. */
export function formProblems(error: unknown): Problems {
  if (isGitgateError(error) && error.fields.length > 0) return problemsOf(error.fields);
  throw error;
}

/** Thrown by web routes for a missing page; the web error handler renders the HTML 404 page. */
export function pageNotFound() {
  return notFound('page_not_found', 'Page not found.');
}
