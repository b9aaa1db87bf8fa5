import { Module } from '@nestjs/common';
import { ProtocolCatalogService } from './protocol-catalog.service';
import { ProtocolsController } from './protocols.controller';

@Module({
  controllers: [ProtocolsController],
  providers: [ProtocolCatalogService],
  exports: [ProtocolCatalogService],
})
export class ProtocolsModule {}
