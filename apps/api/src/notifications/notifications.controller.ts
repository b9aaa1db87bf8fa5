import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@engine/persistence';
import { CurrentAuditActor, CurrentPrincipal, type Principal } from '../auth/principal';
import { AgencyParamDto } from '../coordinator/dtos/inbox.dto';
import {
  AgencyNotificationsDto,
  MyNotificationsDto,
  UpdateAgencyNotificationsDto,
  UpdateMyNotificationsDto,
} from './dtos/notification-preferences.dto';
import { NotificationPreferencesService } from './notification-preferences.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly preferences: NotificationPreferencesService) {}

  @Get('me')
  @ApiOperation({ summary: 'My own email preference' })
  @ApiOkResponse({ type: MyNotificationsDto })
  mine(@CurrentPrincipal() principal: Principal): Promise<MyNotificationsDto> {
    return this.preferences.mine(principal);
  }

  @Put('me')
  @ApiOperation({ summary: 'Set my own email preference (audited with the reason)' })
  @ApiOkResponse({ type: MyNotificationsDto })
  updateMine(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UpdateMyNotificationsDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<MyNotificationsDto> {
    return this.preferences.updateMine(principal, dto, by);
  }

  @Get('agencies/:agency')
  @ApiOperation({ summary: "An agency's notification recipients and webhook" })
  @ApiOkResponse({ type: AgencyNotificationsDto })
  agency(@Param() { agency }: AgencyParamDto): Promise<AgencyNotificationsDto> {
    return this.preferences.agency(agency);
  }

  @Put('agencies/:agency')
  @ApiOperation({
    summary: "Set an agency's notification recipients and webhook (audited with the reason)",
  })
  @ApiOkResponse({ type: AgencyNotificationsDto })
  updateAgency(
    @Param() { agency }: AgencyParamDto,
    @Body() dto: UpdateAgencyNotificationsDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<AgencyNotificationsDto> {
    return this.preferences.updateAgency(agency, dto, by);
  }
}
