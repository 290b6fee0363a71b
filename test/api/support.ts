import { Octokit } from '@octokit/rest';
import { createToken, createUser, type TestServer } from '../helpers/server.js';
import { validatingFetch } from '../helpers/openapi.js';

/** An Octokit pointed at the test server whose every JSON answer is checked against GitHub's schema. */
export function octokitFor(server: TestServer, token?: string): Octokit {
  const baseUrl = `${server.url}/api/v3`;
  return new Octokit({
    baseUrl,
    ...(token ? { auth: token } : {}),
    request: { fetch: validatingFetch(baseUrl), retries: 0 },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

/** A user with a token holding `scopes`, and an Octokit using it. */
export async function userWithToken(server: TestServer, scopes: string[], options: { admin?: boolean } = {}) {
  const user = await createUser(server, options);
  const { token, id } = await createToken(server, user, { scopes });
  return { user, token, tokenId: id, octokit: octokitFor(server, token) };
}

/** Raw requests (curl-style) against the API. */
export function api(server: TestServer, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `token ${init.token}`);
  return fetch(`${server.url}/api/v3${path}`, { ...init, headers });
}

/** What Octokit throws for an HTTP error (its RequestError), as the tests read it. */
export type RequestError = Error & { status: number; response?: { data: unknown; headers: Record<string, string | undefined> } };
