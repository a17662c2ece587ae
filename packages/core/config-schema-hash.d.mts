/** sha256 (16 hex digits) over the fleet.toml schema sources, relative to `packageDirectoryUrl`. */
export declare function configSchemaHash(packageDirectoryUrl: URL): string;
