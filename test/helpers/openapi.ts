import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * GitHub's own OpenAPI description of GHES 3.19 (npm @octokit/openapi), loaded once per test
 * process, with OpenAPI 3.0's `nullable: true` rewritten into JSON Schema (`anyOf [..., null]`) so
 * ajv can validate. Every API response a test sees can be checked against the schema GitHub
 * publishes for the same method, path and status.
 */
const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}
interface Template {
  template: string;
  regex: RegExp;
  literal: number;
  methods: Record<string, Operation>;
}

/** Errors GitHub does not list for an operation still have GitHub's error shape. */
const BASIC_ERROR = {
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['message', 'documentation_url'],
        properties: { message: { type: 'string' }, documentation_url: { type: 'string' }, errors: { type: 'array' } },
      },
    },
  },
};

let loaded: { templates: Template[]; ajv: Ajv } | null = null;
const compiled = new Map<string, ValidateFunction | null>();

function rewriteNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'example' || key === 'examples') continue;
    out[key] = rewriteNullable(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

function load() {
  if (loaded) return loaded;
  const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'ghes-3.19.deref.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const templates: Template[] = Object.entries(doc.paths).map(([template, methods]) => ({
    template,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\/\{path\}/g, '(?:/(.*))?').replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    literal: template.replace(/\{[^}]+\}/g, '').length,
    methods,
  }));
  templates.sort((a, b) => b.literal - a.literal);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int64', true);
  ajv.addFormat('int32', true);
  loaded = { templates, ajv };
  return loaded;
}

/** GitHub's path template for a request path below /api/v3 (`/repos/a/b` -> `/repos/{owner}/{repo}`). */
export function githubTemplateFor(method: string, apiPath: string): string | null {
  const { templates } = load();
  const found = templates.find((t) => t.regex.test(apiPath) && t.methods[method.toLowerCase()]);
  return found?.template ?? null;
}

/**
 * Validates a response body against GitHub's schema for the method, path (below /api/v3) and
 * status. Returns the problems (empty when valid). A path or status GitHub does not describe is a
 * problem too, unless `allowUndocumented` names it (Gitgate's own additions).
 */
export function validateGitHubResponse(method: string, apiPath: string, status: number, body: unknown): string[] {
  const { templates, ajv } = load();
  const template = templates.find((t) => t.regex.test(apiPath) && t.methods[method.toLowerCase()]);
  if (!template) return [`GitHub's description has no ${method} ${apiPath}`];
  const operation = template.methods[method.toLowerCase()]!;
  const response = operation.responses?.[String(status)] ?? (status >= 400 ? BASIC_ERROR : undefined);
  if (!response) return [`GitHub's description has no ${status} for ${method} ${template.template}`];
  const key = `${method} ${template.template} ${status}`;
  if (!compiled.has(key)) {
    const content = response.content ?? {};
    const schema = (content['application/json'] ?? Object.values(content)[0])?.schema;
    compiled.set(key, schema ? ajv.compile(rewriteNullable(schema) as Json) : null);
  }
  const validate = compiled.get(key);
  if (!validate) return [];
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 8).map((e) => `${key}: ${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Paths Gitgate serves that GitHub does not describe (its own additions); their bodies are not checked. */
const GITGATE_ONLY = [/^\/openapi\.json$/, /^\/credentials\/revoke$/, /^\/admin\/tokens\/\d+$/];

/**
 * A fetch for Octokit that validates every JSON response against GitHub's description and fails
 * the request (so the test) when a body does not match.
 */
export function validatingFetch(apiBase: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const apiPath = url.pathname.slice(new URL(apiBase).pathname.length) || '/';
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('json') || response.status === 204 || response.status === 304) return response;
    if (GITGATE_ONLY.some((p) => p.test(apiPath))) return response;
    const body = await response.clone().json();
    const problems = validateGitHubResponse(init?.method ?? 'GET', apiPath, response.status, body);
    if (problems.length > 0) throw new Error(`response does not match GitHub's schema:\n${problems.join('\n')}`);
    return response;
  };
}
