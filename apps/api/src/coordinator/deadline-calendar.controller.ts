import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeadlineCalendarService } from './deadline-calendar.service';
import { DeadlineCalendarDto, DeadlineCalendarQueryDto } from './dtos/deadline-calendar.dto';

@ApiTags('coordinator')
@ApiBearerAuth()
@Controller('deadlines')
export class DeadlineCalendarController {
  constructor(private readonly deadlines: DeadlineCalendarService) {}

  @Get()
  @ApiOperation({ summary: 'Open deadlines of open reviews due between from and to (UTC days)' })
  @ApiOkResponse({ type: DeadlineCalendarDto })
  calendar(@Query() query: DeadlineCalendarQueryDto): Promise<DeadlineCalendarDto> {
    return this.deadlines.calendar(query);
  }
}
