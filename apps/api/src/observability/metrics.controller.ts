import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { register } from 'prom-client';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format: HTTP latency, open reviews by stage, overdue steps, escalations. */
  @Get()
  @Header('content-type', register.contentType)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus exposition format', type: String })
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}
