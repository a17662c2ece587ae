/** The newest SQLite migration's `when` (ms) in the journal under `packageDirectoryUrl`. */
export declare function shippedMigrationMillis(packageDirectoryUrl: URL): number;
