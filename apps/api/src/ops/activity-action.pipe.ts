import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ACTIVITY_ACTIONS, type ActivityAction } from './dtos/repair.dto';

/** The `:action` of an activity repair, else a 400 naming the field. */

@Injectable()
export class ActivityActionPipe implements PipeTransform<string, ActivityAction> {
  transform(value: string): ActivityAction {
    if (!(ACTIVITY_ACTIONS as readonly string[]).includes(value)) {
      const message = `must be one of ${ACTIVITY_ACTIONS.join(', ')}`;
      throw new BadRequestException({
        error: 'Bad Request',
        message: [`action: ${message}`],
        errors: [{ field: 'action', message }],
      });
    }
    return value as ActivityAction;
  }
}
