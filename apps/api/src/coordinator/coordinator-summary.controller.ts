import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CoordinatorSummaryService } from './coordinator-summary.service';
import { SummaryDto, SummaryQueryDto } from './dtos/summary.dto';

@ApiTags('coordinator')
@ApiBearerAuth()
@Controller('summary')
export class CoordinatorSummaryController {
  constructor(private readonly summaries: CoordinatorSummaryService) {}

  @Get()
  @ApiOperation({
    summary: 'Open reviews by stage, overdue steps by agency, median days per stage',
  })
  @ApiOkResponse({ type: SummaryDto })
  summary(@Query() query: SummaryQueryDto): Promise<SummaryDto> {
    return this.summaries.summary(query);
  }
}
