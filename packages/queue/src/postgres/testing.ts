// `@biged/queue/postgres-testing`: a throwaway PostgreSQL cluster for tests (the chaos suite, benchmarks).

export type { StartTestPostgresOptions, TestPostgres } from './test-cluster';
export { startTestPostgres } from './test-cluster';
