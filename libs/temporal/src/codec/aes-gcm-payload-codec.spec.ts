import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  generateCodecKey,
  parseCodecKeys,
  PayloadCodecKeyError,
} from './aes-gcm-payload-codec';

const codecFrom = (spec: string) => {
  const { keys, currentKeyId } = parseCodecKeys(spec);
  return new AesGcmPayloadCodec(keys, currentKeyId);
};

describe('AesGcmPayloadCodec', () => {
  const secret = { apiKey: 'sk-live-very-secret', developerOrg: 'Example AI Lab' };
  const payload = defaultPayloadConverter.toPayload(secret);

  it('round-trips and leaves no plaintext in the encoded bytes', async () => {
    const codec = codecFrom(generateCodecKey('k1'));
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded.data!).toString('latin1')).not.toContain('sk-live-very-secret');
    expect(new TextDecoder().decode(encoded.metadata!['encryption-key-id'])).toBe('k1');
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(secret);
  });

  it('decrypts with an old key after rotation, and refuses an unknown key', async () => {
    const old = generateCodecKey('2026-q3');
    const [encoded] = await codecFrom(old).encode([payload]);
    const rotated = codecFrom(`${generateCodecKey('2026-q4')},${old}`);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([encoded]))[0])).toEqual(
      secret,
    );
    const [reencoded] = await rotated.encode([payload]);
    expect(new TextDecoder().decode(reencoded.metadata!['encryption-key-id'])).toBe('2026-q4');
    await expect(codecFrom(generateCodecKey('other')).decode([encoded])).rejects.toThrow(
      /unknown key "2026-q3"/,
    );
  });

  it('detects tampering', async () => {
    const codec = codecFrom(generateCodecKey('k1'));
    const [encoded] = await codec.encode([payload]);
    encoded.data![20] ^= 0xff;
    await expect(codec.decode([encoded])).rejects.toThrow();
  });

  it('passes payloads that were never encrypted through', async () => {
    const codec = codecFrom(generateCodecKey('k1'));
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('rejects malformed key configuration naming the problem', () => {
    expect(() => parseCodecKeys('')).toThrow(PayloadCodecKeyError);
    expect(() => parseCodecKeys('k1:c2hvcnQ=')).toThrow(/not 32/);
    expect(() => parseCodecKeys('nokey')).toThrow(/<key-id>:<base64/);
    const k = generateCodecKey('dup');
    expect(() => parseCodecKeys(`${k},${k}`)).toThrow(/twice/);
  });
});
