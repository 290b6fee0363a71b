import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { SyncQueries } from './open-database.js';
import { PREPARED_MARK } from './prepared-statements.js';
import type { Database } from './schema.js';

/**
 * A query for the hottest paths (the token lookup of every authenticated request): built and
 * compiled by Kysely once, on first use, for whichever dialect `db` speaks, then run with each
 * call's values. Building and compiling a join with a dozen columns cost ~30 us per request in the
 * benchmark's profile, more than SQLite's lookup itself; the SQL text never changes, only the values.
 *
 * `build` receives one placeholder per argument and must use each as a plain value (`=`, `<`, ...):
 * the compiled parameters are matched back to the arguments by identity, and a query whose
 * parameters are not exactly its arguments (a value folded into the SQL, a list for `in`) is refused
 * when first compiled rather than run with the wrong values.
 *
 * With `sync` (SQLite), `.readNow(...)` and `.writeEachNow([...])` run it at once, without a promise.
 * On PostgreSQL each connection prepares it once, by name (see prepared-statements.ts).
 */
export function compiledOnce<Args extends readonly unknown[], Row>(
  db: Kysely<Database>,
  build: (...placeholders: Args) => Compilable<Row>,
  sync: SyncQueries | null = null,
): CompiledOnce<Args, Row> {
  let compiled: { sql: string; slots: number[] } | null = null;
  const compile = (args: Args) => {
    if (!compiled) {
      const placeholders = args.map(
        (_, index) => `\u0000gitgate-placeholder-${index}\u0000`,
      ) as unknown as Args;
      const query = build(...placeholders).compile();
      const slots = query.parameters.map((parameter) =>
        (placeholders as readonly unknown[]).indexOf(parameter),
      );
      if (slots.some((slot) => slot < 0))
        throw new Error(`compiledOnce: a parameter of "${query.sql}" is not one of its arguments`);
      compiled = { sql: PREPARED_MARK + query.sql, slots };
    }
    return { sql: compiled.sql, values: compiled.slots.map((slot) => args[slot]) };
  };
  const runOn = (executor: Kysely<Database>) => async (...args: Args): Promise<Row[]> => {
    const { sql, values } = compile(args);
    const result = await executor.executeQuery<Row>(CompiledQuery.raw(sql, values) as CompiledQuery<Row>);
    return result.rows;
  };
  const readNow = (...args: Args): Row[] | null => {
    if (!sync) return null;
    const { sql, values } = compile(args);
    return sync.read(sql, values) as Row[] | null;
  };
  const writeEachNow = (argsList: readonly Args[]): boolean => {
    if (!sync) return false;
    const queries = argsList.map(compile);
    return queries.length === 0 || sync.writeEach(queries[0]!.sql, queries.map((query) => query.values));
  };
  return Object.assign(runOn(db), { on: runOn, readNow, writeEachNow });
}

/**
 * Runs the query with its values; `.on(trx)` runs it inside a transaction instead. `.readNow(...)`
 * reads at once, `.writeEachNow([...])` writes once per list of values in one transaction at once;
 * each answers null or false when it cannot (no `sync`, or a transaction is open): then call the query.
 */
export type CompiledOnce<Args extends readonly unknown[], Row> = ((...args: Args) => Promise<Row[]>) & {
  on(executor: Kysely<Database>): (...args: Args) => Promise<Row[]>;
  readNow(...args: Args): Row[] | null;
  writeEachNow(argsList: readonly Args[]): boolean;
};
