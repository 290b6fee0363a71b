import { VERSION } from '../../version.js';

/** A route as the API registered it: what the OpenAPI document and the scope matrix are built from. */
export interface RegisteredRoute {
  method: string;
  /** Fastify's form, e.g. `/api/v3/repos/:owner/:repo/contents/*`. */
  url: string;
  scopes: readonly string[];
  schema: { params?: JsonSchema; querystring?: JsonSchema; body?: JsonSchema } | undefined;
}

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; [key: string]: unknown };

/** `/api/v3/repos/:owner/:repo/contents/*` -> `/repos/{owner}/{repo}/contents/{path}` */
export function openApiPath(url: string): string {
  const path = url.replace(/^\/api\/v3/, '') || '/';
  return path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query', url: string) {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, property]) => ({
    name: name === '*' ? 'path' : name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name) || (name === '*' && url.endsWith('*')),
    schema: property,
  }));
}

/** An OpenAPI 3.0 document generated from the TypeBox schemas the routes declare. */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    if (path.endsWith('/') && path !== '/') continue; // the root's trailing-slash twin
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()} ${path}`,
      'x-accepted-oauth-scopes': route.scopes,
      parameters: [...parameters(route.schema?.params, 'path', route.url), ...parameters(route.schema?.querystring, 'query', route.url)],
      responses: { default: { description: "GitHub's response for this operation (see GitHub's REST API description)" } },
    };
    if (route.schema?.body) operation.requestBody = { required: true, content: { 'application/json': { schema: route.schema.body } } };
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Gitgate REST API', version: VERSION, description: "GitHub's REST dialect, as far as Gitgate has the features." },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'A personal access token (ggp_...)' } },
    },
    security: [{ token: [] }, {}],
    paths,
  };
}
