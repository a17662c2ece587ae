export type { SecretsErrorCode } from '../errors/secrets-error';
export { SecretsError } from '../errors/secrets-error';
export type {
  CreateSecretsStoreOptions,
  SecretEntry,
  SecretsStore,
  SecretsWriteResult,
} from './secrets-store';
export {
  createSecretsStore,
  maskSecret,
  quoteSecretValue,
  SECRET_KEY_PATTERN,
  SECRETS_FILE_MODE,
} from './secrets-store';
