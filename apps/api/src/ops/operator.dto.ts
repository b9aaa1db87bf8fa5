import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { AuditActor } from '@engine/persistence';

/**
 * Every operator repair says why (a repair without a reason is refused with a 400). Who acts
 * comes from the verified token only (`CurrentAuditActor`), never from the body.
 */
export class OperatorActionDto {
  @ApiProperty({ description: 'Why: recorded in the audit log and on the review timeline' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  reason!: string;
}

/** An approval's optional comment. */
export class ApprovalDto {
  @ApiPropertyOptional({ description: 'A comment for the record' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  reason?: string;
}

/** The repair context of a call: the operator from the token, the request id, the reason. */
export const repairContext = (by: AuditActor, reason: string) => ({
  by: by.id,
  role: by.role,
  httpRequestId: by.requestId,
  reason,
});
