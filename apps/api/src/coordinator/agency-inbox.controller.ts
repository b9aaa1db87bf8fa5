import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgencyInboxService } from './agency-inbox.service';
import { AgencyListDto, AgencyParamDto, InboxDto, InboxQueryDto } from './dtos/inbox.dto';

@ApiTags('coordinator')
@ApiBearerAuth()
@Controller('agencies')
export class AgencyInboxController {
  constructor(private readonly inbox: AgencyInboxService) {}

  @Get()
  @ApiOperation({ summary: 'Agencies named by the seeded agencies or any protocol version' })
  @ApiOkResponse({ type: AgencyListDto })
  list(): Promise<AgencyListDto> {
    return this.inbox.agencies();
  }

  @Get(':agency/inbox')
  @ApiOperation({
    summary: "An agency's open and running steps across open reviews, due soonest first",
  })
  @ApiOkResponse({ type: InboxDto })
  get(@Param() { agency }: AgencyParamDto, @Query() query: InboxQueryDto): Promise<InboxDto> {
    return this.inbox.inbox(agency, query);
  }
}
