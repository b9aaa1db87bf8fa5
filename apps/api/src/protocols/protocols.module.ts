import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { ProtocolCatalogService } from './protocol-catalog.service';
import { ProtocolsController } from './protocols.controller';

@Module({
  imports: [RegistryModule],
  controllers: [ProtocolsController],
  providers: [ProtocolCatalogService],
  exports: [ProtocolCatalogService],
})
export class ProtocolsModule {}
