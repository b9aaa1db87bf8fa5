import { BadRequestException } from '@nestjs/common';
import { IsEmail, IsString } from 'class-validator';
import { createValidationPipe, malformedTextFields } from './validation';

class Body {
  @IsEmail()
  contactEmail!: string;

  @IsString()
  name!: string;
}

describe('malformedTextFields', () => {
  it('names every field, nested and in arrays, whose text or key holds a lone surrogate', () => {
    expect(
      malformedTextFields({
        ok: 'é 中文 🙂',
        email: '\ud800',
        nested: { list: ['fine', 'x\udc00y'], ['k\ud83d']: 'v' },
      }),
    ).toEqual(['email', 'nested.list[1]', 'nested.k\ud83d']);
    expect(malformedTextFields({ pair: '\ud83d\ude42', n: 1, none: null })).toEqual([]);
  });
});

describe('the global validation pipe', () => {
  const pipe = createValidationPipe();
  const validate = (value: unknown) =>
    pipe.transform(value, { type: 'body', metatype: Body, data: undefined });

  it('refuses a lone surrogate with a 400 naming the field, before a validator throws on it', async () => {
    const err = await validate({ contactEmail: '\ud800', name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).getResponse()).toMatchObject({
      errors: [
        {
          field: 'contactEmail',
          message: 'must be well-formed Unicode text (it holds a lone surrogate)',
        },
      ],
    });
  });

  it('still validates well-formed input by its rules', async () => {
    await expect(validate({ contactEmail: 'dana@example.com', name: 'x' })).resolves.toEqual({
      contactEmail: 'dana@example.com',
      name: 'x',
    });
    const err = await validate({ contactEmail: 'not an email', name: 'x' }).catch((e) => e);
    expect((err as BadRequestException).getResponse()).toMatchObject({
      errors: [{ field: 'contactEmail', message: 'contactEmail must be an email' }],
    });
  });
});
