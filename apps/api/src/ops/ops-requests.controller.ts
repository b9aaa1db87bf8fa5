import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListOpsRequestsQueryDto, OpsRequestDto, OpsRequestListDto } from './dtos/ops-request.dto';
import type { AuditActor } from '@engine/persistence';
import { CurrentAuditActor } from '../auth/principal';
import { ApprovalDto, OperatorActionDto } from './operator.dto';
import { OpsRequestsService } from './ops-requests.service';

/** Requests awaiting a second operator, and their approval (which runs the repair). */
@ApiTags('ops')
@Controller('ops/requests')
export class OpsRequestsController {
  constructor(private readonly requests: OpsRequestsService) {}

  @Get()
  @ApiOkResponse({ type: OpsRequestListDto })
  async list(@Query() query: ListOpsRequestsQueryDto): Promise<OpsRequestListDto> {
    return { items: await this.requests.list(query.status) };
  }

  @Get(':id')
  @ApiOkResponse({ type: OpsRequestDto })
  get(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string): Promise<OpsRequestDto> {
    return this.requests.get(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve as a second operator; the repair runs now (403 for the requester)',
  })
  @ApiOkResponse({ type: OpsRequestDto })
  approve(
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
    @Body() dto: ApprovalDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<OpsRequestDto> {
    return this.requests.approve(id, by, dto.reason);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn a pending request down (the requester withdraws it the same way)',
  })
  @ApiOkResponse({ type: OpsRequestDto })
  reject(
    @Param('id', new ParseUUIDPipe({ version: undefined })) id: string,
    @Body() dto: OperatorActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<OpsRequestDto> {
    return this.requests.reject(id, by, dto.reason);
  }
}
