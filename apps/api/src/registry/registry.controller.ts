import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { StepTypeEntity } from '@engine/persistence';
import { AgencyCodePipe } from '../common/agency-code.pipe';
import { RegistryService } from './registry.service';

export class StepTypeDto {
  @ApiProperty({ example: 'caisi.ctf-evaluation' }) kind!: string;
  @ApiProperty() agency!: string;
  @ApiProperty() version!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ type: Object }) inputSchema?: Record<string, unknown>;
  @ApiPropertyOptional({ type: Object }) outputSchema?: Record<string, unknown>;
  @ApiProperty() workerIdentity!: string;
  @ApiProperty() registeredAt!: string;
  @ApiProperty() lastRegisteredAt!: string;
}

export class PollerDto {
  @ApiProperty() identity!: string;
  @ApiPropertyOptional() lastAccessTime?: string;
}

export class QueueLivenessDto {
  @ApiProperty() agency!: string;
  @ApiProperty({ example: 'agency-caisi' }) taskQueue!: string;
  @ApiProperty({ type: [PollerDto] }) pollers!: PollerDto[];
  @ApiProperty({ description: 'true when at least one worker polls the queue' }) live!: boolean;
}

const toDto = (s: StepTypeEntity): StepTypeDto => ({
  kind: s.kind,
  agency: s.agency,
  version: s.version,
  description: s.description ?? undefined,
  inputSchema: s.inputSchema ?? undefined,
  outputSchema: s.outputSchema ?? undefined,
  workerIdentity: s.workerIdentity,
  registeredAt: s.registeredAt.toISOString(),
  lastRegisteredAt: s.lastRegisteredAt.toISOString(),
});

@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry')
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  /** Automated step kinds registered by agency workers. */
  @Get('step-types')
  @ApiOkResponse({ type: [StepTypeDto] })
  async stepTypes(): Promise<StepTypeDto[]> {
    return (await this.registry.stepTypes()).map(toDto);
  }

  /** Whether each agency's task queue has pollers right now. */
  @Get('queues')
  @ApiOkResponse({ type: [QueueLivenessDto] })
  async queues(): Promise<QueueLivenessDto[]> {
    return Promise.all((await this.registry.agencies()).map((a) => this.registry.liveness(a)));
  }

  @Get('queues/:agency')
  @ApiOkResponse({ type: QueueLivenessDto })
  queue(@Param('agency', AgencyCodePipe) agency: string): Promise<QueueLivenessDto> {
    return this.registry.liveness(agency);
  }
}
