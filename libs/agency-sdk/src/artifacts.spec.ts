import { createHash } from 'node:crypto';
import {
  ArtifactCollector,
  MAX_INLINE_ARTIFACT_BYTES,
  MAX_INLINE_ARTIFACT_BYTES_PER_STEP,
  toArtifactRecord,
  type ArtifactInput,
} from './artifacts';
import { keepAliveIntervalMs } from './assessment-step';
import { AssessmentDomainError } from './errors';

const cui = (overrides: Partial<ArtifactInput> = {}): ArtifactInput => ({
  name: 'transcript.json',
  marking: 'CUI',
  cuiCategory: 'CUI//SP-PROPIN',
  contentType: 'application/json',
  content: '{"t1":true}',
  ...overrides,
});

describe('toArtifactRecord', () => {
  it('computes sha256 and size and keeps CUI content inline as base64', () => {
    const record = toArtifactRecord(cui());
    expect(record).toEqual({
      name: 'transcript.json',
      marking: 'CUI',
      cuiCategory: 'CUI//SP-PROPIN',
      contentType: 'application/json',
      sizeBytes: 11,
      sha256: createHash('sha256').update('{"t1":true}').digest('hex'),
      contentBase64: Buffer.from('{"t1":true}').toString('base64'),
    });
  });

  it('counts bytes, not characters, and takes binary content', () => {
    expect(toArtifactRecord(cui({ content: 'é' })).sizeBytes).toBe(2);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const record = toArtifactRecord({
      ...cui(),
      marking: 'U',
      cuiCategory: undefined,
      content: bytes,
    });
    expect(record.sizeBytes).toBe(4);
    expect(Buffer.from(record.contentBase64!, 'base64')).toEqual(Buffer.from(bytes));
  });

  it('keeps exactly 256 KiB inline and refuses one byte more, pointing to a reference', () => {
    const limit = 'x'.repeat(MAX_INLINE_ARTIFACT_BYTES);
    expect(toArtifactRecord(cui({ content: limit })).sizeBytes).toBe(MAX_INLINE_ARTIFACT_BYTES);
    expect(() => toArtifactRecord(cui({ content: `${limit}x` }))).toThrow(
      /more than the 262144 kept inline: store it .* attach it with a reference/,
    );
  });

  it('records a CLASSIFIED artifact by reference only and refuses its content', () => {
    const classified: ArtifactInput = {
      name: 'exploit.md',
      marking: 'CLASSIFIED',
      contentType: 'text/markdown',
      reference: 'JWICS://caisi/case-42/exploit.md',
    };
    expect(toArtifactRecord(classified)).toEqual({
      name: 'exploit.md',
      marking: 'CLASSIFIED',
      contentType: 'text/markdown',
      sizeBytes: 0,
      sha256: '',
      reference: 'JWICS://caisi/case-42/exploit.md',
    });
    expect(() => toArtifactRecord({ ...classified, content: 'secret' })).toThrow(
      AssessmentDomainError,
    );
    expect(() => toArtifactRecord({ ...classified, content: 'secret' })).toThrow(
      /CLASSIFIED artifact must not carry content/,
    );
    expect(() => toArtifactRecord({ ...classified, reference: ' ' })).toThrow(/needs a reference/);
  });

  it.each([undefined, 'SP-PROPIN', 'CUI/SP-PROPIN', 'CUI//', 'cui//sp-propin'])(
    'refuses a CUI artifact with the category %p',
    (cuiCategory) => {
      expect(() => toArtifactRecord(cui({ cuiCategory }))).toThrow(/needs a cuiCategory/);
    },
  );

  it('accepts compound CUI categories and refuses a category on a U artifact', () => {
    expect(toArtifactRecord(cui({ cuiCategory: 'CUI//SP-CTI/SP-EXPT' })).cuiCategory).toBe(
      'CUI//SP-CTI/SP-EXPT',
    );
    expect(() => toArtifactRecord(cui({ marking: 'U' }))).toThrow(/only for CUI artifacts/);
  });

  it('needs content or a reference, and takes a known hash only with a reference', () => {
    expect(() => toArtifactRecord(cui({ content: undefined }))).toThrow(/content or a reference/);
    expect(() => toArtifactRecord(cui({ sha256: 'a'.repeat(64) }))).toThrow(/computed from/);
    expect(
      toArtifactRecord(
        cui({ content: undefined, reference: 's3://x', sha256: 'a'.repeat(64), sizeBytes: 9 }),
      ),
    ).toMatchObject({ sha256: 'a'.repeat(64), sizeBytes: 9, reference: 's3://x' });
  });
});

describe('ArtifactCollector', () => {
  it('returns undefined when nothing was attached, copies otherwise', () => {
    const c = new ArtifactCollector();
    expect(c.collected()).toBeUndefined();
    c.attach(cui());
    expect(c.collected()).toHaveLength(1);
    expect(() => c.attach(cui())).toThrow(/attached twice/);
  });

  it('bounds the inline content of one attempt', () => {
    const c = new ArtifactCollector();
    const chunk = 'x'.repeat(MAX_INLINE_ARTIFACT_BYTES);
    for (let i = 0; i < MAX_INLINE_ARTIFACT_BYTES_PER_STEP / MAX_INLINE_ARTIFACT_BYTES; i++) {
      c.attach(cui({ name: `a${i}`, content: chunk }));
    }
    expect(() => c.attach(cui({ name: 'one-more', content: 'x' }))).toThrow(/by reference/);
    expect(c.attach(cui({ name: 'ref', content: undefined, reference: 's3://x' }))).toBeDefined();
  });
});

describe('keepAliveIntervalMs', () => {
  it('is a third of the heartbeat timeout, at most 5 s', () => {
    expect(keepAliveIntervalMs(3_000)).toBe(1_000);
    expect(keepAliveIntervalMs(10_000)).toBe(10_000 / 3);
    expect(keepAliveIntervalMs(60_000)).toBe(5_000);
    expect(keepAliveIntervalMs(undefined)).toBe(5_000);
  });
});
