import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EscalationQueueDto, EscalationQueueQueryDto } from './dtos/escalation-queue.dto';
import { EscalationQueueService } from './escalation-queue.service';

@ApiTags('coordinator')
@ApiBearerAuth()
@Controller('escalations')
export class EscalationQueueController {
  constructor(private readonly escalations: EscalationQueueService) {}

  @Get()
  @ApiOperation({ summary: 'Open escalations across open reviews, highest level and oldest first' })
  @ApiOkResponse({ type: EscalationQueueDto })
  queue(@Query() query: EscalationQueueQueryDto): Promise<EscalationQueueDto> {
    return this.escalations.queue(query);
  }
}
