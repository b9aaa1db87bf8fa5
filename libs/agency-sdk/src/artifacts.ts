import { createHash } from 'node:crypto';
import type { MarkingLevel } from '../../domain/src/protocol/protocol.types';
import type { ArtifactRecord } from '../../domain/src/review/review.types';
import { AssessmentDomainError } from './errors';

export type { ArtifactRecord };

/** Largest content, in bytes, kept inline in the finding; anything bigger is stored by reference. */
export const MAX_INLINE_ARTIFACT_BYTES = 256 * 1024;
/**
 * Largest inline content, in bytes, one attempt may attach in all. Inline artifacts travel in the
 * activity result and in the review's state, which Temporal bounds (2 MiB per payload).
 */
export const MAX_INLINE_ARTIFACT_BYTES_PER_STEP = 1024 * 1024;

/** What a step passes to `ctx.attachArtifact`. */
export interface ArtifactInput {
  /** Shown to reviewers, e.g. `ctf-transcript-summary.json`. */
  name: string;
  marking: MarkingLevel;
  /** Required for CUI, and only allowed there: `CUI//` and the category, e.g. `CUI//SP-PROPIN`. */
  cuiCategory?: string;
  /** MIME type of the content, e.g. `application/json`. */
  contentType: string;
  /** U and CUI only, at most 256 KiB; a string is stored as UTF-8. */
  content?: string | Uint8Array;
  /** Where the agency stored the item; the only thing recorded for a CLASSIFIED artifact. */
  reference?: string;
  /** For an artifact attached by reference only: the stored item's hash (hex), if known. */
  sha256?: string;
  /** For an artifact attached by reference only: the stored item's size, if known. */
  sizeBytes?: number;
}

const CUI_CATEGORY = /^CUI\/\/[A-Z][A-Z0-9-]*(\/[A-Z][A-Z0-9-]*)*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Validate an artifact and turn it into the record the engine stores: sha256 and size computed
 * from the content, content inline as base64. Throws an AssessmentDomainError (the step fails
 * without retries) for an artifact the engine may not hold or that is malformed.
 */
export function toArtifactRecord(input: ArtifactInput): ArtifactRecord {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const fail = (message: string) => new AssessmentDomainError(`artifact "${name}": ${message}`);
  if (!name) throw new AssessmentDomainError('artifact: name must not be empty');
  if (!['U', 'CUI', 'CLASSIFIED'].includes(input.marking)) {
    throw fail(`marking must be U, CUI or CLASSIFIED, not "${String(input.marking)}"`);
  }
  if (typeof input.contentType !== 'string' || !input.contentType.trim()) {
    throw fail('contentType must not be empty');
  }
  if (input.marking === 'CUI') {
    if (!input.cuiCategory || !CUI_CATEGORY.test(input.cuiCategory)) {
      throw fail(
        `a CUI artifact needs a cuiCategory such as CUI//SP-PROPIN (got "${input.cuiCategory ?? ''}")`,
      );
    }
  } else if (input.cuiCategory !== undefined) {
    throw fail(`cuiCategory is only for CUI artifacts, this one is marked ${input.marking}`);
  }
  const reference = input.reference?.trim() || undefined;
  if (input.marking === 'CLASSIFIED') {
    if (input.content !== undefined) {
      throw fail(
        'a CLASSIFIED artifact must not carry content: store it on an accredited system and attach its reference; the engine keeps classified items as references only',
      );
    }
    if (!reference) throw fail('a CLASSIFIED artifact needs a reference');
  }
  if (input.content === undefined) {
    if (!reference) throw fail('give the content or a reference');
    if (input.sha256 !== undefined && !SHA256_HEX.test(input.sha256)) {
      throw fail('sha256 must be 64 lower-case hex digits');
    }
    if (
      input.sizeBytes !== undefined &&
      !(Number.isSafeInteger(input.sizeBytes) && input.sizeBytes >= 0)
    ) {
      throw fail('sizeBytes must be a whole number of bytes');
    }
    return {
      name,
      marking: input.marking,
      ...(input.cuiCategory ? { cuiCategory: input.cuiCategory } : {}),
      contentType: input.contentType,
      // Unknown for an item the engine never sees, unless the agency says.
      sizeBytes: input.sizeBytes ?? 0,
      sha256: input.sha256 ?? '',
      reference,
    };
  }
  if (input.sha256 !== undefined || input.sizeBytes !== undefined) {
    throw fail(
      'sha256 and sizeBytes are computed from the content; give them only with a reference',
    );
  }
  if (typeof input.content !== 'string' && !(input.content instanceof Uint8Array)) {
    throw fail('content must be a string or a Uint8Array');
  }
  const bytes =
    typeof input.content === 'string'
      ? Buffer.from(input.content, 'utf8')
      : Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength);
  if (bytes.byteLength > MAX_INLINE_ARTIFACT_BYTES) {
    throw fail(
      `content is ${bytes.byteLength} bytes, more than the ${MAX_INLINE_ARTIFACT_BYTES} kept inline: store it in the agency's own store and attach it with a reference instead`,
    );
  }
  return {
    name,
    marking: input.marking,
    ...(input.cuiCategory ? { cuiCategory: input.cuiCategory } : {}),
    contentType: input.contentType,
    sizeBytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    contentBase64: bytes.toString('base64'),
    ...(reference ? { reference } : {}),
  };
}

/** The artifacts one attempt attaches; a new collector per attempt keeps failed attempts out. */
export class ArtifactCollector {
  private readonly records: ArtifactRecord[] = [];
  private inlineBytes = 0;

  attach(input: ArtifactInput): ArtifactRecord {
    const record = toArtifactRecord(input);
    if (this.records.some((r) => r.name === record.name)) {
      throw new AssessmentDomainError(`artifact "${record.name}": attached twice`);
    }
    const inline = record.contentBase64 === undefined ? 0 : record.sizeBytes;
    if (this.inlineBytes + inline > MAX_INLINE_ARTIFACT_BYTES_PER_STEP) {
      throw new AssessmentDomainError(
        `artifact "${record.name}": the step's inline artifacts would exceed ${MAX_INLINE_ARTIFACT_BYTES_PER_STEP} bytes; attach the larger ones by reference`,
      );
    }
    this.inlineBytes += inline;
    this.records.push(record);
    return { ...record };
  }

  /** What the activity returns: undefined when nothing was attached, so results stay unchanged. */
  collected(): ArtifactRecord[] | undefined {
    return this.records.length ? this.records.map((r) => ({ ...r })) : undefined;
  }
}
