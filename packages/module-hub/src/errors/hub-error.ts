import { BigedError } from '@biged/core';

const name = 'HubError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link HubError} carries. Every refusal leaves `<home>/modules/` as it was.
 * - `HUB_INVALID_NAME`: the module name does not match `/^[a-z][a-z0-9_-]{0,63}$/` (e.g. `../evil`).
 * - `HUB_MODULE_NOT_FOUND`: no registry source lists the module.
 * - `HUB_NOT_INSTALLED`: uninstall / enable of a module that is not in `<home>/modules/`.
 * - `HUB_NO_SOURCE`: no registry is configured (or, offline, no `[modules] registry_dir`).
 * - `HUB_SOURCE_FAILED`: a registry could not be read (network, HTTP status, missing file). An install
 *   stops here rather than fall through to a lower-priority source.
 * - `HUB_REGISTRY_INVALID`: registry.json is not JSON, too large, or not a list of entries.
 * - `HUB_ENTRY_REFUSED`: the module's registry entry is malformed (`reason` in the message).
 * - `HUB_CHECKSUM_MISSING`: the entry (or an offline bundle) has no SHA-256, or an empty one.
 * - `HUB_CHECKSUM_MISMATCH`: the downloaded bytes do not hash to the published SHA-256.
 * - `HUB_SIGNATURE_MISSING`: publisher keys are configured and the entry / bundle carries no signature.
 * - `HUB_SIGNATURE_INVALID`: no configured publisher key verifies the signature (or it is malformed).
 * - `HUB_PUBLISHER_KEY_INVALID`: a `[modules] publisher_keys` value is not an ed25519 public key.
 * - `HUB_SDK_TOO_OLD`: the module needs a newer @biged/module-sdk than the one installed.
 * - `HUB_DOWNLOAD_FAILED`: the bundle could not be fetched or read, or its URL is not allowed.
 * - `HUB_BUNDLE_TOO_LARGE`: the bundle (or what it unpacks to) is over the size limit.
 * - `HUB_BAD_ARCHIVE`: the bundle is not a readable tar / tar.gz.
 * - `HUB_UNSAFE_ARCHIVE`: an entry is absolute, contains `..`, is a link or a device (`entry` is set).
 * - `HUB_MANIFEST_INVALID`: module.json is missing or wrong (name, version, entry file).
 * - `HUB_INSTALL_FAILED`: a file system step failed; what was staged is removed.
 */
export type HubErrorCode =
  | 'HUB_INVALID_NAME'
  | 'HUB_MODULE_NOT_FOUND'
  | 'HUB_NOT_INSTALLED'
  | 'HUB_NO_SOURCE'
  | 'HUB_SOURCE_FAILED'
  | 'HUB_REGISTRY_INVALID'
  | 'HUB_ENTRY_REFUSED'
  | 'HUB_CHECKSUM_MISSING'
  | 'HUB_CHECKSUM_MISMATCH'
  | 'HUB_SIGNATURE_MISSING'
  | 'HUB_SIGNATURE_INVALID'
  | 'HUB_PUBLISHER_KEY_INVALID'
  | 'HUB_SDK_TOO_OLD'
  | 'HUB_DOWNLOAD_FAILED'
  | 'HUB_BUNDLE_TOO_LARGE'
  | 'HUB_BAD_ARCHIVE'
  | 'HUB_UNSAFE_ARCHIVE'
  | 'HUB_MANIFEST_INVALID'
  | 'HUB_INSTALL_FAILED';

/** Options of the {@link HubError} constructor. */
export interface HubErrorOptions {
  /** The stable code. */
  code: HubErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The module concerned, if any (as given, so possibly the invalid name itself). */
  module?: string;
  /** The registry source concerned (its URL or folder), if any. */
  source?: string;
  /** The archive entry concerned (`HUB_UNSAFE_ARCHIVE`), if any. */
  entry?: string;
  /** The underlying error. */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error raised by the Module Hub. Check with `HubError.isInstance(error)`, then switch on `code`. */
export class HubError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link HubErrorCode}. */
  declare readonly code: HubErrorCode;
  /** The module concerned, if any. */
  readonly module: string | undefined;
  /** The registry source concerned, if any. */
  readonly source: string | undefined;
  /** The archive entry concerned, if any. */
  readonly entry: string | undefined;

  constructor({ module, source, entry, ...options }: HubErrorOptions) {
    super({ name, ...options });
    this.module = module;
    this.source = source;
    this.entry = entry;
  }

  /** True when `error` is a HubError from any copy of @biged/module-hub. */
  static override isInstance(error: unknown): error is HubError {
    return BigedError.hasMarker(error, marker);
  }
}
