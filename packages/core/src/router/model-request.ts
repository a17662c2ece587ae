import { ModelCallError } from '../errors/model-call-error';
import type { ModelMessageV1, ModelRequestV1 } from './model-provider-v1';

/** A request's conversation, normalised for an adapter. */
export interface ResolvedMessagesV1 {
  /** `request.system` and every `system` message, joined by blank lines; undefined when there is none. */
  system: string | undefined;
  /** The user and assistant turns, oldest first (`prompt` becomes one user turn). */
  messages: Array<ModelMessageV1 & { role: 'user' | 'assistant' }>;
}

/**
 * Turns `prompt` / `messages` / `system` into one system text and the user/assistant turns, the shape
 * every provider API wants. Throws `TypeError` when the request has neither `prompt` nor `messages`.
 */
export function resolveMessages(request: ModelRequestV1): ResolvedMessagesV1 {
  const systems: string[] = request.system ? [request.system] : [];
  const messages: ResolvedMessagesV1['messages'] = [];
  if (request.messages && request.messages.length > 0) {
    for (const message of request.messages) {
      if (message.role === 'system') systems.push(message.content);
      else messages.push({ role: message.role, content: message.content });
    }
  } else if (request.prompt !== undefined) {
    messages.push({ role: 'user', content: request.prompt });
  }
  if (messages.length === 0)
    throw new TypeError('A model request needs a prompt or at least one user message');
  return { system: systems.length > 0 ? systems.join('\n\n') : undefined, messages };
}

/** Where a structured answer came from, for the error message. */
export interface ParseJsonOutputOptions {
  /** The provider that answered. */
  providerId: string;
  /** The model that answered. */
  modelId: string;
}

/**
 * Parses a structured (JSON schema) answer. A model that returned text which is not JSON gets a
 * `ModelCallError` (not retryable) that quotes the start of the text, never a silent `undefined`.
 */
export function parseJsonOutput(text: string, { providerId, modelId }: ParseJsonOutputOptions): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const excerpt = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    throw new ModelCallError({
      providerId,
      modelId,
      isRetryable: false,
      message: `${providerId}/${modelId} returned structured output that is not valid JSON: ${JSON.stringify(excerpt)}`,
      cause: error,
      hint: 'simplify the schema, or use a model that supports structured output',
    });
  }
}

/**
 * A rough token estimate (4 characters a token) for the rate limiter's token budget before the provider
 * reports the real usage.
 */
export function estimateTokens(request: ModelRequestV1): number {
  let characters = (request.system?.length ?? 0) + (request.prompt?.length ?? 0);
  for (const message of request.messages ?? []) characters += message.content.length;
  return Math.ceil(characters / 4) + (request.maxOutputTokens ?? 0);
}
