import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '@engine/persistence';
import { CurrentAuditActor } from '../auth/principal';
import { ActionDto } from '../reviews/dtos/review-actions.dto';
import { ProtocolCatalogService } from './protocol-catalog.service';
import {
  ProtocolDraftDto,
  ProtocolValidateDto,
  ProtocolValidationDto,
  ProtocolVersionDetailDto,
  ProtocolVersionDto,
  toProtocolVersion,
} from './dtos/protocol.dto';

@ApiTags('protocols')
@ApiBearerAuth()
@Controller('protocols')
export class ProtocolsController {
  constructor(private readonly catalog: ProtocolCatalogService) {}

  @Get()
  @ApiOkResponse({ type: [ProtocolVersionDto] })
  async list(): Promise<ProtocolVersionDto[]> {
    return (await this.catalog.list()).map(toProtocolVersion);
  }

  @Get(':key/versions/:version')
  @ApiOkResponse({ type: ProtocolVersionDetailDto })
  async get(
    @Param('key') key: string,
    @Param('version', ParseIntPipe) version: number,
  ): Promise<ProtocolVersionDetailDto> {
    const row = await this.catalog.get(key, version);
    return { ...toProtocolVersion(row), definition: row.definition };
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOkResponse({ type: ProtocolValidationDto })
  validate(@Body() dto: ProtocolValidateDto): ProtocolValidationDto {
    const errors = this.catalog.validate(dto.definition);
    return { valid: errors.length === 0, errors };
  }

  /** Create or replace a draft; a published version is refused (409). */
  @Post('drafts')
  @ApiOkResponse({ type: ProtocolVersionDto })
  async createDraft(
    @Body() dto: ProtocolDraftDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<ProtocolVersionDto> {
    return toProtocolVersion(await this.catalog.createDraft(dto.definition, by));
  }

  /** Publish a draft after full validation (422 listing every error); published never changes. */
  @Post(':key/versions/:version/publish')
  @HttpCode(200)
  @ApiOkResponse({ type: ProtocolVersionDto })
  async publish(
    @Param('key') key: string,
    @Param('version', ParseIntPipe) version: number,
    @Body() dto: ActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<ProtocolVersionDto> {
    return toProtocolVersion(await this.catalog.publish(key, version, by, dto.reason ?? null));
  }
}
