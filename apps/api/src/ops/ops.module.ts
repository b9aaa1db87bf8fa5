import { Module } from '@nestjs/common';
import { OpsDiagnosticsController } from './ops-diagnostics.controller';
import { OpsRepairController } from './ops-repair.controller';
import { OpsRequestsController } from './ops-requests.controller';
import { OpsRequestsService } from './ops-requests.service';
import { RepairService } from './repair.service';
import { ReplayService } from './replay.service';
import { ResetService } from './reset.service';
import { StuckService } from './stuck.service';

/** Operators: find stuck reviews, replay them, and repair them under the two-person rule. */
@Module({
  controllers: [OpsDiagnosticsController, OpsRepairController, OpsRequestsController],
  providers: [StuckService, ReplayService, ResetService, RepairService, OpsRequestsService],
})
export class OpsModule {}
