import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations, generated from src/postgres/schema.ts into ./drizzle-postgres (shipped in the
// package) and applied by `migratePostgres` under an advisory lock. `drizzle-kit push` is banned: run
// `npx drizzle-kit generate --config drizzle.postgres.config.ts --name <change>` and read the SQL.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/postgres/schema.ts',
  out: './drizzle-postgres',
  migrations: { table: '__biged_queue_migrations', schema: 'public' },
});
