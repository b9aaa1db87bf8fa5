import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEntryEntity, readAuditCheckpoints } from '@engine/persistence';
import {
  AuditCheckpointDto,
  AuditCheckpointResultDto,
  AuditPageDto,
  AuditQueryDto,
  AuditVerificationDto,
  toAuditEntry,
} from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Audit entries, newest first (auditors)' })
  @ApiOkResponse({ type: AuditPageDto })
  async list(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? 100;
    const qb = this.db.getRepository(AuditEntryEntity).createQueryBuilder('a');
    if (query.beforeId) qb.andWhere('a.id < :before', { before: query.beforeId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.target) qb.andWhere('a.target = :target', { target: query.target });
    const rows = await qb
      .orderBy('a.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    return {
      items: page.map(toAuditEntry),
      nextBeforeId: rows.length > limit ? String(page[page.length - 1].id) : undefined,
    };
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Walk the hash chain and the signed checkpoints; report the first broken entry',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }

  @Get('checkpoints')
  @ApiOkResponse({ type: [AuditCheckpointDto] })
  checkpoints(): Promise<AuditCheckpointDto[]> {
    return readAuditCheckpoints(this.db, 'newest', 100);
  }

  @Post('checkpoints')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign a checkpoint of the chain head now (also done on a schedule)' })
  @ApiOkResponse({ type: AuditCheckpointResultDto })
  async checkpoint(): Promise<AuditCheckpointResultDto> {
    const checkpoint = await this.audit.checkpoint();
    return { created: !!checkpoint, checkpoint };
  }
}
