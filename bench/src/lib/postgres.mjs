// The PostgreSQL server every PostgreSQL scenario runs on: a throwaway cluster from
// `startTestPostgres()` (@biged/queue/postgres-testing), or a server the caller names with --pg-url.
import pg from 'pg';

/**
 * Starts (or connects to) the benchmark's PostgreSQL server. With `url` the server at that URL is used
 * (its user must be allowed to CREATE DATABASE; the databases the bench made are dropped by `stop()`);
 * without it a throwaway cluster on a loopback port in a temp dir is started and `stop()` removes it.
 * Returns `{ source, createDatabase(name): Promise<url>, facts(): Promise<object>, stop() }`.
 */
export async function startBenchPostgres({ url } = {}) {
  if (url) return connectExisting(url);
  let testing;
  try {
    testing = await import('@biged/queue/postgres-testing');
  } catch (error) {
    throw new Error(`@biged/queue/postgres-testing is not available (${firstLine(error)})`);
  }
  const cluster = await testing.startTestPostgres();
  return {
    source: 'throwaway cluster (startTestPostgres)',
    createDatabase: (name) => cluster.createDatabase(name),
    facts: () => serverFacts(cluster.url),
    stop: () => cluster.stop(),
  };
}

function connectExisting(url) {
  const created = [];
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    source: 'existing server (--pg-url)',
    async createDatabase(name) {
      await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      await admin(`CREATE DATABASE ${quoteIdent(name)}`);
      created.push(name);
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    facts: () => serverFacts(url),
    async stop() {
      for (const name of created.splice(0)) {
        await admin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => {});
      }
    },
  };
}

/** Version and the settings that decide commit cost, read from the server. */
async function serverFacts(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query('SHOW server_version')).rows[0].server_version;
    const settings = {};
    for (const name of [
      'fsync',
      'synchronous_commit',
      'full_page_writes',
      'shared_buffers',
      'max_connections',
    ]) {
      settings[name] = (await client.query(`SHOW ${name}`)).rows[0][name];
    }
    return { version, ...settings };
  } finally {
    await client.end();
  }
}

function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}

function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0];
}
