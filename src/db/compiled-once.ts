import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
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
 */
export function compiledOnce<Args extends readonly unknown[], Row>(
  db: Kysely<Database>,
  build: (...placeholders: Args) => Compilable<Row>,
): CompiledOnce<Args, Row> {
  let compiled: { sql: string; slots: number[] } | null = null;
  const runOn = (executor: Kysely<Database>) => async (...args: Args): Promise<Row[]> => {
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
      compiled = { sql: query.sql, slots };
    }
    const { sql, slots } = compiled;
    const result = await executor.executeQuery<Row>(
      CompiledQuery.raw(
        sql,
        slots.map((slot) => args[slot]),
      ) as CompiledQuery<Row>,
    );
    return result.rows;
  };
  return Object.assign(runOn(db), { on: runOn });
}

/** Runs the query with its values; `.on(trx)` runs it inside a transaction instead. */
export type CompiledOnce<Args extends readonly unknown[], Row> = ((...args: Args) => Promise<Row[]>) & {
  on(executor: Kysely<Database>): (...args: Args) => Promise<Row[]>;
};
