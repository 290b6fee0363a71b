import { type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Dialect } from './open-database.js';

/** Migrations are listed here explicitly, in order: nothing is discovered from the file system. */
function migrations(dialect: Dialect): Record<string, Migration> {
  // The one dialect difference in the schema: how an auto-incrementing key is declared.
  const id = dialect === 'postgres' ? ('serial' as const) : ('integer' as const);
  const pk = (c: ColumnDefinitionBuilder) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());

  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', id, pk)
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('lower_login', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text')
          .addColumn('lower_email', 'text', (c) => c.unique())
          .addColumn('name', 'text')
          .addColumn('password_hash', 'text')
          .addColumn('site_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('suspended_at', 'text')
          .addColumn('notify_token_expiry', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('org_members')
          .addColumn('org_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('org_members_pk', ['org_id', 'user_id'])
          .execute();
        await db.schema.createIndex('org_members_user').on('org_members').column('user_id').execute();

        await db.schema
          .createTable('repos')
          .addColumn('id', id, pk)
          .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('lower_name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('private', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('default_branch', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('pushed_at', 'text')
          .addUniqueConstraint('repos_owner_name', ['owner_id', 'lower_name'])
          .execute();

        await db.schema
          .createTable('repo_redirects')
          .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('lower_name', 'text', (c) => c.notNull())
          .addColumn('repo_id', 'integer', (c) => c.notNull().references('repos.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('repo_redirects_pk', ['owner_id', 'lower_name'])
          .execute();

        await db.schema
          .createTable('collaborators')
          .addColumn('repo_id', 'integer', (c) => c.notNull().references('repos.id').onDelete('cascade'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('permission', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('collaborators_pk', ['repo_id', 'user_id'])
          .execute();
        await db.schema.createIndex('collaborators_user').on('collaborators').column('user_id').execute();

        await db.schema
          .createTable('access_tokens')
          .addColumn('id', id, pk)
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull().unique())
          .addColumn('last_four', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('last_used_at', 'text')
          .addColumn('last_used_ip', 'text')
          .addColumn('last_used_user_agent', 'text')
          .addColumn('regenerated_at', 'text')
          .addColumn('notice_7d_at', 'text')
          .addColumn('notice_1d_at', 'text')
          .addColumn('notice_expired_at', 'text')
          .addUniqueConstraint('access_tokens_user_note', ['user_id', 'note'])
          .execute();
        await db.schema.createIndex('access_tokens_expires').on('access_tokens').column('expires_at').execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', id, pk)
          .addColumn('digest', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('sudo_at', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

        await db.schema
          .createTable('audit_events')
          .addColumn('id', id, pk)
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'integer')
          .addColumn('actor', 'text')
          .addColumn('user_id', 'integer')
          .addColumn('user', 'text')
          .addColumn('repo_id', 'integer')
          .addColumn('token_id', 'integer')
          .addColumn('ip', 'text')
          .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_events_user').on('audit_events').columns(['user_id', 'id']).execute();
        await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'id']).execute();
        await db.schema.createIndex('audit_events_action_ip').on('audit_events').columns(['action', 'ip', 'created_at']).execute();

        await db.schema
          .createTable('site_settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('counters')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .execute();
      },
    },
    // A token's first use grew its row (three columns from NULL to values): on a full page that
    // splits it, and cold lookups (a different token each request) paid for a split per request.
    '0002_token_last_uses': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('token_last_uses')
          .addColumn('token_id', 'integer', (c) => c.primaryKey().references('access_tokens.id').onDelete('cascade'))
          .addColumn('last_used_at', 'text', (c) => c.notNull())
          .addColumn('last_used_ip', 'text')
          .addColumn('last_used_user_agent', 'text')
          .execute();
        await sql`INSERT INTO token_last_uses (token_id, last_used_at, last_used_ip, last_used_user_agent)
          SELECT id, last_used_at, last_used_ip, last_used_user_agent FROM access_tokens WHERE last_used_at IS NOT NULL`.execute(db);
        for (const column of ['last_used_at', 'last_used_ip', 'last_used_user_agent']) {
          await db.schema.alterTable('access_tokens').dropColumn(column).execute();
        }
      },
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: migrations work on any schema (Kysely's own convention)
export function createMigrator(db: Kysely<any>, dialect: Dialect): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  return new Migrator({ db, provider });
}

/**
 * Runs pending migrations, once, even when several processes start at the same moment: one
 * migrates, the others wait for it and then find nothing to do.
 * - PostgreSQL: Kysely's Migrator holds a session advisory lock and migrates in one transaction.
 * - SQLite: Kysely takes no lock there (it assumes one connection), so the whole run, the
 *   migration tables included, happens inside `BEGIN IMMEDIATE`: the write lock is taken up front
 *   and a second process waits on it (busy_timeout) instead of failing half-way.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations work on any schema (Kysely's own convention)
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const run = async (conn: typeof db) => {
    const { error, results } = await createMigrator(conn, dialect).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  if (dialect !== 'sqlite') return run(db);
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const applied = await run(conn);
      await sql`COMMIT`.execute(conn);
      return applied;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => {});
      throw error;
    }
  });
}

export { sql };
