import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** A path parameter that must be an agency code (`caisi`), else 400 naming the field. */
@Injectable()
export class AgencyCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(value)) {
      throw new BadRequestException({
        error: 'Bad Request',
        message: ['agency: must be an agency code such as caisi'],
        errors: [{ field: 'agency', message: 'must be an agency code such as caisi' }],
      });
    }
    return value;
  }
}
