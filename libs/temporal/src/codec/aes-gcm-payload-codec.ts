import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class PayloadCodecKeyError extends Error {}

/**
 * Encrypts every payload (workflow inputs, results, activity arguments, signals, updates,
 * heartbeats) with AES-256-GCM before it leaves the process, so submissions and credentials are
 * never stored in plaintext in Temporal. The key id travels in the payload's metadata: keys
 * rotate by putting a new key first, keeping the old ones for decryption. Payloads that were never
 * encrypted (histories recorded before encryption) pass through unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly currentKeyId: string,
  ) {
    if (!keys.has(currentKeyId)) throw new PayloadCodecKeyError(`no key "${currentKeyId}"`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID]: encoder.encode(this.currentKeyId),
        },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata![KEY_ID] ?? new Uint8Array());
      const key = this.keys.get(keyId);
      if (!key) throw new PayloadCodecKeyError(`payload encrypted with unknown key "${keyId}"`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/**
 * Parse `kid:base64key,kid:base64key` (the first key encrypts; all decrypt). Each key must be
 * 32 bytes (AES-256).
 */
export function parseCodecKeys(spec: string): { keys: Map<string, Buffer>; currentKeyId: string } {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [id, b64] = entry.split(':');
    if (!id || !b64 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      throw new PayloadCodecKeyError(
        'PAYLOAD_CODEC_KEYS: each entry must be <key-id>:<base64 of 32 bytes>',
      );
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32)
      throw new PayloadCodecKeyError(
        `PAYLOAD_CODEC_KEYS: key "${id}" is ${key.length} bytes, not 32`,
      );
    if (keys.has(id))
      throw new PayloadCodecKeyError(`PAYLOAD_CODEC_KEYS: key id "${id}" appears twice`);
    keys.set(id, key);
  }
  if (entries.length === 0) throw new PayloadCodecKeyError('PAYLOAD_CODEC_KEYS: no key given');
  return { keys, currentKeyId: entries[0].split(':')[0] };
}

/** A new random key entry for PAYLOAD_CODEC_KEYS. */
export function generateCodecKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The data converter every client and worker of the engine uses. */
export function engineDataConverter(keySpec: string | undefined): DataConverter {
  if (!keySpec) return {};
  const { keys, currentKeyId } = parseCodecKeys(keySpec);
  return { payloadCodecs: [new AesGcmPayloadCodec(keys, currentKeyId)] };
}
