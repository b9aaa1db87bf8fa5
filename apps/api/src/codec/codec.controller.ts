import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { environment } from '@engine/config/environment';
import { engineDataConverter } from '@engine/temporal/codec/aes-gcm-payload-codec';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { PayloadsDto } from './codec.dto';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Temporal's remote codec protocol, so the Temporal UI (and `temporal` CLI with
 * --codec-endpoint) can show encrypted payloads to operators: point the UI's codec endpoint at
 * `<api>/codec` with "pass access token" on, and add the UI's origin to CORS_ORIGINS.
 */
@ApiTags('codec')
@ApiBearerAuth()
@Controller('codec')
export class CodecController {
  private readonly codecs: PayloadCodec[] =
    engineDataConverter(environment().PAYLOAD_CODEC_KEYS).payloadCodecs ?? [];

  @Post('encode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Encrypt payloads with the current key (operators)' })
  @ApiOkResponse({ type: PayloadsDto })
  async encode(@Body() dto: PayloadsDto): Promise<PayloadsDto> {
    let payloads = fromJson(dto);
    for (const codec of this.codecs) payloads = await codec.encode(payloads);
    return toJson(payloads);
  }

  @Post('decode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decrypt payloads with any configured key (operators)' })
  @ApiOkResponse({ type: PayloadsDto })
  async decode(@Body() dto: PayloadsDto): Promise<PayloadsDto> {
    let payloads = fromJson(dto);
    try {
      for (const codec of [...this.codecs].reverse()) payloads = await codec.decode(payloads);
    } catch {
      // Unknown key id or a payload that fails authentication: the caller's input, not ours.
      throw new DomainException(
        DomainExceptionCode.CODEC_FAILED,
        'payloads: cannot be decrypted with the configured keys',
        [{ field: 'payloads', message: 'cannot be decrypted with the configured keys' }],
      );
    }
    return toJson(payloads);
  }
}

function fromJson(dto: PayloadsDto): Payload[] {
  return dto.payloads.map((p, i) => {
    const metadata: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(p.metadata)) {
      if (typeof value !== 'string' || !BASE64.test(value)) {
        throw new DomainException(
          DomainExceptionCode.CODEC_FAILED,
          `payloads[${i}].metadata.${key}: must be base64`,
          [{ field: `payloads[${i}].metadata.${key}`, message: 'must be base64' }],
        );
      }
      metadata[key] = Buffer.from(value, 'base64');
    }
    return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
  });
}

function toJson(payloads: Payload[]): PayloadsDto {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
