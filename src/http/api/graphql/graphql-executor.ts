import { type DocumentNode, execute, GraphQLError, getOperationAST, parse, validate } from 'graphql';
import { countFields } from './field-count.js';
import type { GraphQLContext } from './graphql-context.js';
import { type ErrorItem, formatError } from './graphql-errors.js';
import { buildGitgateSchema } from './schema.js';

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | undefined;
  contextValue: GraphQLContext;
  maxTokens: number;
  maxFields: number;
  logUnexpected: (error: unknown) => void;
}

export type GraphQLAnswer = { data?: unknown; errors?: ErrorItem[] };

/**
 * graphql-js's side of POST /api/graphql: parse (bounded), validate, count fields, execute. It lives
 * apart from the route so graphql-js (~5 MB of a server's resident memory) loads on the first GraphQL
 * request, not in every process that never answers one.
 */
export function createGraphQLExecutor() {
  const schema = buildGitgateSchema();
  return async function run(request: GraphQLRequest): Promise<GraphQLAnswer> {
    const fail = (message: string): GraphQLAnswer => ({ errors: [{ message }] });
    const { operationName } = request;
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: request.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [formatError(error, () => {})] };
      throw error;
    }
    const problems = validate(schema, document);
    if (problems.length > 0) return { errors: problems.map((e) => formatError(e, () => {})) };
    const operation = getOperationAST(document, operationName);
    if (!operation) return fail(operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.');
    const fields = countFields(document, operation);
    if (fields > request.maxFields) return fail(`This query requests ${fields} fields; at most ${request.maxFields} are allowed in one request.`);

    const result = await execute({ schema, document, variableValues: request.variables, operationName, contextValue: request.contextValue });
    const out: GraphQLAnswer = {};
    if (result.data !== undefined) out.data = result.data;
    if (result.errors?.length) out.errors = result.errors.map((e) => formatError(e, request.logUnexpected));
    return out;
  };
}

export type GraphQLExecutor = ReturnType<typeof createGraphQLExecutor>;
