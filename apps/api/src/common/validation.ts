import {
  type ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { FieldError } from './domain.exception';

/** Flatten nested class-validator errors into `path: rule` messages, one per broken rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/**
 * Where `value` holds text that is not well-formed Unicode (a lone surrogate, which JSON can carry
 * as `\ud800`): the field paths, in `flattenValidationErrors`' notation. Such text cannot be
 * stored or hashed as it was sent, and some validators throw on it (isEmail's encodeURI).
 */
export function malformedTextFields(value: unknown, parent = ''): string[] {
  if (typeof value === 'string') return wellFormed(value) ? [] : [parent || 'value'];
  if (Array.isArray(value))
    return value.flatMap((v, i) => malformedTextFields(v, `${parent}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      ...(wellFormed(k) ? [] : [parent ? `${parent}.${k}` : k]),
      ...malformedTextFields(v, parent ? `${parent}.${k}` : k),
    ]);
  return [];
}

/** The global pipe's 400: every bad field with the rule it breaks. */
function badRequest(fieldErrors: FieldError[]): BadRequestException {
  return new BadRequestException({
    error: 'Bad Request',
    message: fieldErrors.map((e) => `${e.field}: ${e.message}`),
    errors: fieldErrors,
  });
}

/** Refuses text that is not well-formed Unicode before any validator sees it. */
class EngineValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const malformed = malformedTextFields(value);
      if (malformed.length)
        throw badRequest(
          malformed.map((field) => ({
            field,
            message: 'must be well-formed Unicode text (it holds a lone surrogate)',
          })),
        );
    }
    return super.transform(value, metadata);
  }
}

/** The global pipe: strips nothing silently (unknown fields are errors) and names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new EngineValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One message per bad field: the first rule it breaks.
    stopAtFirstError: true,
    exceptionFactory: (errors) => badRequest(flattenValidationErrors(errors)),
  });
}
