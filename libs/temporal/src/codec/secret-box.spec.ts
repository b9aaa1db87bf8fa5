import { generateCodecKey } from './aes-gcm-payload-codec';
import { isSealed, openSecret, sealSecret } from './secret-box';

describe('secret box', () => {
  const oldKey = generateCodecKey('k1');
  const newKey = generateCodecKey('k2');
  const secret = 'whsec-0123456789abcdef0123456789abcdef';

  it('seals under the current key and opens again, never storing the secret', () => {
    const sealed = sealSecret(secret, oldKey);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).toMatch(/^sealed:v1:k1:/);
    expect(sealed).not.toContain(secret);
    expect(sealSecret(secret, oldKey)).not.toBe(sealed); // a fresh IV each time
    expect(openSecret(sealed, oldKey)).toBe(secret);
  });

  it('opens what an older key sealed after rotation, and seals with the new one', () => {
    const sealedBefore = sealSecret(secret, oldKey);
    const rotated = `${newKey},${oldKey}`;
    expect(openSecret(sealedBefore, rotated)).toBe(secret);
    expect(sealSecret(secret, rotated)).toMatch(/^sealed:v1:k2:/);
  });

  it('names a missing key, and refuses a tampered value', () => {
    const sealed = sealSecret(secret, oldKey);
    expect(() => openSecret(sealed, newKey)).toThrow(/key "k1", which PAYLOAD_CODEC_KEYS/);
    const parts = sealed.split(':');
    const data = Buffer.from(parts[5], 'base64');
    data[0] ^= 1;
    parts[5] = data.toString('base64');
    expect(() => openSecret(parts.join(':'), oldKey)).toThrow();
  });

  it('keeps secrets stored before sealing readable, and leaves them as is without keys', () => {
    expect(openSecret(secret, oldKey)).toBe(secret);
    expect(sealSecret(secret, undefined)).toBe(secret);
  });
});
