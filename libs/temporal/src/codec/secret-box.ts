import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { parseCodecKeys } from './aes-gcm-payload-codec';

/**
 * Secrets the engine must read back (a webhook's HMAC key cannot be hashed), sealed at rest with
 * the payload-codec keys: AES-256-GCM under the current key, opened with whichever key sealed it,
 * so rotating `PAYLOAD_CODEC_KEYS` (new key first, old ones kept) keeps old secrets readable.
 * Stored as `sealed:v1:<key id>:<base64 iv>:<base64 tag>:<base64 ciphertext>`.
 */
const PREFIX = 'sealed:v1:';
/** Binds a sealed value to its use: a sealed value moved to another column does not open. */
const AAD = Buffer.from('review-engine secret');

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Seal `plain` with the current key; without keys (development only) it is kept as is. */
export function sealSecret(plain: string, keySpec: string | undefined): string {
  if (!keySpec) return plain;
  const { keys, currentKeyId } = parseCodecKeys(keySpec);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.get(currentKeyId)!, iv).setAAD(AAD);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${currentKeyId}:${[iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join(':')}`;
}

/**
 * The secret in `stored`: opened with the key that sealed it, or as is when it was stored
 * before sealing (or without keys). Throws, naming the key id, when that key is not configured.
 */
export function openSecret(stored: string, keySpec: string | undefined): string {
  if (!isSealed(stored)) return stored;
  const [keyId, iv, tag, data] = stored.slice(PREFIX.length).split(':');
  const key = keySpec ? parseCodecKeys(keySpec).keys.get(keyId) : undefined;
  if (!key) throw new Error(`sealed with key "${keyId}", which PAYLOAD_CODEC_KEYS does not hold`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'))
    .setAAD(AAD)
    .setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
