import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, ValidateNested } from 'class-validator';
import { ActorDto } from '../common/actor.dto';

/**
 * Every operator action: who acts and why (a repair without a reason is refused with a 400).
 * The operator's identity is read from here only (`operatorOf`), so switching it to the
 * authenticated token is a change in one place.
 */
export class OperatorActionDto {
  @ApiProperty({ type: ActorDto })
  @ValidateNested()
  @Type(() => ActorDto)
  actor!: ActorDto;

  @ApiProperty({ description: 'Why: recorded in the audit log and on the review timeline' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  reason!: string;
}

/** The acting operator's id. */
export function operatorOf(dto: { actor: ActorDto }): string {
  return dto.actor.id;
}
