export type { BigedErrorOptions } from './biged-error';
export { BigedError } from './biged-error';
export type { ConfigIssue } from './config-error';
export { ConfigError } from './config-error';
export { PayloadError } from './payload-error';
export { toError } from './to-error';
