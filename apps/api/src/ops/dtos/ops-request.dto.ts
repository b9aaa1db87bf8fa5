import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { OpsRequestEntity } from '@engine/persistence';

const STATUSES = ['pending', 'running', 'executed', 'failed', 'rejected'] as const;

export class ListOpsRequestsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: (typeof STATUSES)[number];
}

export class OpsRequestDto {
  @ApiProperty() id!: string;
  @ApiProperty({
    example: 'reset',
    description: '`reset`, `skip`, `terminate` or `batch:<action>`',
  })
  action!: string;
  @ApiPropertyOptional() reviewId?: string;
  @ApiPropertyOptional() query?: string;
  @ApiProperty({ type: Object }) params!: Record<string, unknown>;
  @ApiProperty() reason!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional() approvedBy?: string;
  @ApiPropertyOptional() approvedAt?: string;
  @ApiPropertyOptional() executedAt?: string;
  @ApiPropertyOptional({ type: Object }) result?: Record<string, unknown>;
  @ApiPropertyOptional() error?: string;
}

export class OpsRequestListDto {
  @ApiProperty({ type: [OpsRequestDto] }) items!: OpsRequestDto[];
}

export const toOpsRequestDto = (r: OpsRequestEntity): OpsRequestDto => ({
  id: r.id,
  action: r.action,
  reviewId: r.reviewId ?? undefined,
  query: r.query ?? undefined,
  params: r.params,
  reason: r.reason,
  requestedBy: r.requestedBy,
  requestedAt: r.requestedAt.toISOString(),
  status: r.status,
  approvedBy: r.approvedBy ?? undefined,
  approvedAt: r.approvedAt?.toISOString(),
  executedAt: r.executedAt?.toISOString(),
  result: r.result ?? undefined,
  error: r.error ?? undefined,
});
