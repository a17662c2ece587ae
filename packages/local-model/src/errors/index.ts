export { LocalModelBackendError } from './local-model-backend-error';
export { LocalModelNotFoundError } from './local-model-not-found-error';
export { LocalModelRequestError } from './local-model-request-error';
