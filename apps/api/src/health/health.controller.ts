import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { TemporalHealthIndicator } from './temporal.health';

/**
 * Liveness (the process serves HTTP) and readiness (PostgreSQL answers, Temporal answers and a
 * core worker polls the engine's queue). `/health` is readiness, for `npm start` and humans.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly temporal: TemporalHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOkResponse({ description: 'The API process is up' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get(['ready', ''])
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready: PostgreSQL, Temporal and a core worker all up' })
  @ApiServiceUnavailableResponse({ description: 'Not ready; `error` names what is down and why' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(3000),
      () => this.temporal.server(),
      () => this.temporal.corePollers(),
    ]);
  }
}
