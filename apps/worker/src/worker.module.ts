import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, databaseUrl } from '@engine/persistence';
import { ProjectionActivitiesService } from '@engine/activities/projection/projection.activities';
import { StepRegistryActivitiesService } from '@engine/activities/registry/step-registry.activities';

/** The core worker's NestJS context: activities are injectable services. */
@Module({
  imports: [TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(databaseUrl()) })],
  providers: [ProjectionActivitiesService, StepRegistryActivitiesService],
})
export class WorkerModule {}
