/**
 * The few JSON Schema builders the API's route schemas use, with TypeBox's names and output (same
 * keys, same order): TypeBox 1.x loads its whole type engine and script parser on import, ~13 MB of
 * a server's resident memory, to build a few dozen plain objects once at start-up. Fastify's ajv and
 * the OpenAPI document read only the JSON; the routes cast their inputs themselves.
 */
export type JsonSchema = { readonly [key: string]: unknown };
type Options = Record<string, unknown>;

const OPTIONAL = Symbol('optional');

const isOptional = (schema: JsonSchema) => (schema as { [OPTIONAL]?: boolean })[OPTIONAL] === true;

function object(properties: Record<string, JsonSchema>, options: Options = {}): JsonSchema {
  const required = Object.keys(properties).filter((key) => !isOptional(properties[key]!));
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties, ...options };
}

/** A property that may be absent (left out of its object's `required`). */
function optional(schema: JsonSchema): JsonSchema {
  return Object.defineProperty({ ...schema }, OPTIONAL, { value: true, enumerable: false });
}

export const Type = {
  Object: object,
  Optional: optional,
  String: (options: Options = {}): JsonSchema => ({ type: 'string', ...options }),
  Integer: (options: Options = {}): JsonSchema => ({ type: 'integer', ...options }),
  Boolean: (options: Options = {}): JsonSchema => ({ type: 'boolean', ...options }),
  Null: (options: Options = {}): JsonSchema => ({ type: 'null', ...options }),
  Array: (items: JsonSchema, options: Options = {}): JsonSchema => ({ type: 'array', items, ...options }),
  Union: (anyOf: JsonSchema[], options: Options = {}): JsonSchema => ({ anyOf, ...options }),
  Literal: (value: string | number | boolean, options: Options = {}): JsonSchema => ({ type: typeof value, const: value, ...options }),
};
