import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { HubError } from './errors/hub-error';

/** A configured publisher key, ready to verify with. */
export interface PublisherKey {
  /** The publisher's name from `[modules] publisher_keys`. */
  name: string;
  /** The ed25519 public key. */
  key: KeyObject;
}

function toKey(value: string): KeyObject {
  const text = value.trim();
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new Error('not base64 and not a PEM block');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 32) {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
      format: 'jwk',
    });
  }
  return createPublicKey({ key: bytes, format: 'der', type: 'spki' });
}

/**
 * Parses `[modules] publisher_keys` (name -> base64 of the 32 raw key bytes, base64 of the SPKI DER, or a
 * PEM block).
 *
 * @throws HubError `HUB_PUBLISHER_KEY_INVALID` naming the publisher whose value is not an ed25519 public key.
 */
export function parsePublisherKeys(keys: Readonly<Record<string, string>>): PublisherKey[] {
  return Object.entries(keys).map(([name, value]) => {
    let key: KeyObject;
    try {
      key = toKey(value);
    } catch (error) {
      throw new HubError({
        code: 'HUB_PUBLISHER_KEY_INVALID',
        message: `[modules] publisher_keys.${name} is not a public key: ${(error as Error).message}`,
        hint: 'give the ed25519 public key as base64 (32 raw bytes or SPKI DER) or as a PEM block',
        cause: error,
      });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new HubError({
        code: 'HUB_PUBLISHER_KEY_INVALID',
        message: `[modules] publisher_keys.${name} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; module signatures use ed25519`,
      });
    }
    return { name, key };
  });
}

/**
 * Checks a base64 ed25519 signature of `bytes` against the keys. Returns the name of the publisher whose
 * key verifies it, or `undefined` when none does (or the signature is not 64 bytes of base64).
 */
export function verifySignature(
  bytes: Uint8Array,
  signature: string,
  keys: readonly PublisherKey[],
): string | undefined {
  const text = signature.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 64) return undefined;
  for (const { name, key } of keys) {
    try {
      if (verify(null, bytes, key, raw)) return name;
    } catch {
      // A key that cannot verify this signature is simply not the signer.
    }
  }
  return undefined;
}
