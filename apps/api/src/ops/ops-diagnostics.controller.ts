import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StuckQueryDto, StuckReportDto } from './dtos/stuck.dto';
import {
  BatchReplayDto,
  ReplayReportDto,
  WorkflowListDto,
  WorkflowQueryDto,
} from './dtos/replay.dto';
import { ReplayService } from './replay.service';
import { StuckService } from './stuck.service';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';

const Id = () => Param('id', new ParseUUIDPipe({ version: undefined }));

/** What is stuck, and whether the current code still replays what is running. Read-only. */
@ApiTags('ops')
@Controller('ops')
export class OpsDiagnosticsController {
  constructor(
    private readonly stuck: StuckService,
    private readonly replay: ReplayService,
  ) {}

  @Get('stuck')
  @ApiOperation({ summary: 'Stuck reviews, each with its reasons and a suggested action' })
  @ApiOkResponse({ type: StuckReportDto })
  stuckReviews(@Query() query: StuckQueryDto): Promise<StuckReportDto> {
    return this.stuck.report(query);
  }

  @Get('workflows')
  @ApiOperation({ summary: 'Workflow ids a visibility query selects (what a batch would act on)' })
  @ApiOkResponse({ type: WorkflowListDto })
  async workflows(@Query() query: WorkflowQueryDto): Promise<WorkflowListDto> {
    return { workflowIds: await this.replay.workflowIds(query.query, query.limit ?? 100) };
  }

  @Post('reviews/:id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: "Replay a review's history (and its workstreams') against the current code",
  })
  @ApiOkResponse({ type: ReplayReportDto })
  replayReview(@Id() id: string): Promise<ReplayReportDto> {
    return this.replay.replayReview(id);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay many workflows, chosen by a visibility query or by id; reports every failure',
  })
  @ApiOkResponse({ type: ReplayReportDto })
  async replayMany(@Body() dto: BatchReplayDto): Promise<ReplayReportDto> {
    if (!dto.query === !dto.workflowIds)
      throw new DomainException(
        DomainExceptionCode.ACTION_REJECTED,
        'query: give either a visibility query or workflowIds',
        [{ field: 'query', message: 'give either query or workflowIds' }],
      );
    const ids = dto.workflowIds ?? (await this.replay.workflowIds(dto.query!, dto.limit ?? 100));
    return this.replay.replay(ids);
  }
}
