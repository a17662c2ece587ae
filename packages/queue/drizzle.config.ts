import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations into ./drizzle (shipped in the package). `drizzle-kit push` is banned:
// run `npx drizzle-kit generate --name <change>` and commit the new migration.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema/index.ts',
  out: './drizzle',
  migrations: { table: '__biged_queue_migrations' },
});
