import { createSecretsStore, ModelCallError, type SecretsStore } from '@biged/core';

/**
 * Finds an API key: the `apiKey` option, else the first of `names` that `secrets.resolve` finds
 * (the environment first, then ~/.secrets). Runs at the first call, not at construction, so a router
 * that refuses the provider offline never reads a key. In air-gap mode `resolve` throws `SECRETS_AIR_GAP`.
 */
export function loadApiKey(options: {
  apiKey: string | undefined;
  secrets: SecretsStore | undefined;
  names: readonly string[];
  providerId: string;
  modelId: string;
}): string {
  if (options.apiKey) return options.apiKey;
  const secrets = options.secrets ?? createSecretsStore();
  for (const name of options.names) {
    const value = secrets.resolve(name);
    if (value) return value;
  }
  throw new ModelCallError({
    providerId: options.providerId,
    modelId: options.modelId,
    isRetryable: false,
    message: `No API key for ${options.providerId}: none of ${options.names.join(', ')} is set in the environment or in ${secrets.file}`,
    hint: `run \`biged secret set ${options.names[0]}\`, or export ${options.names[0]}`,
  });
}
