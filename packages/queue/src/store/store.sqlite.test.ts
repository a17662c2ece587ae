import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteStore } from './sqlite-store';
import { describeTaskStoreContract } from './store-contract';
import type { TaskStore } from './task-store';

describeTaskStoreContract(
  'SQLite',
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'biged-store-'));
    const file = path.join(dir, 'fleet.db');
    const stores: TaskStore[] = [createSqliteStore({ file })];
    return {
      store: stores[0] as TaskStore,
      async another() {
        const store = createSqliteStore({ file });
        stores.push(store);
        return store;
      },
      async cleanup() {
        for (const store of stores) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { dialect: 'sqlite' },
);
