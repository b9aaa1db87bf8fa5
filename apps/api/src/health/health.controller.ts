import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, Connection } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';

export class DependencyHealthDto {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiProperty({ required: false }) error?: string;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status!: 'ok' | 'degraded';
  @ApiProperty({ type: DependencyHealthDto }) postgres!: DependencyHealthDto;
  @ApiProperty({ type: DependencyHealthDto }) temporal!: DependencyHealthDto;
}

async function probe(check: () => Promise<unknown>): Promise<DependencyHealthDto> {
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3000)),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  /** 200 when PostgreSQL and Temporal both answer, 503 otherwise. */
  @Get()
  @ApiOkResponse({ type: HealthDto })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const [postgres, temporal] = await Promise.all([
      probe(() => this.db.query('SELECT 1')),
      probe(() => (this.temporal.connection as Connection).healthService.check({})),
    ]);
    const ok = postgres.status === 'up' && temporal.status === 'up';
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', postgres, temporal };
  }
}
