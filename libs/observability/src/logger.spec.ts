import { Writable } from 'node:stream';
import { loadEnvironment } from '../../../config/environment';
import { generateCodecKey } from '../../temporal/src/codec/aes-gcm-payload-codec';
import { createLogger } from './logger';

describe('createLogger', () => {
  const codecKeys = `${generateCodecKey('new')},${generateCodecKey('old')}`;
  const env = loadEnvironment({
    LOG_LEVEL: 'debug',
    PAYLOAD_CODEC_KEYS: codecKeys,
    TEMPORAL_API_KEY: 'tmprl-api-key-0123456789',
    DATABASE_URL: 'postgres://engine:db-password-42@db.internal:5432/engine',
  });
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    return { lines, logger: createLogger('spec', { destination, env }) };
  };

  it('writes one JSON object per line with the service, level and message', () => {
    const { lines, logger } = capture();
    logger.info({ reviewId: 'r-1', workflowId: 'review-r-1' }, 'projected');
    expect(JSON.parse(lines[0])).toMatchObject({
      service: 'spec',
      level: 'info',
      msg: 'projected',
      reviewId: 'r-1',
      workflowId: 'review-r-1',
    });
  });

  it('never lets a credential through, wherever it sits', () => {
    const { lines, logger } = capture();
    const secrets = [
      'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      'sk-live-model-endpoint-key',
      'hunter2-password',
      'whsec-webhook-signing',
      ...codecKeys.split(',').map((k) => k.split(':')[1]),
      'tmprl-api-key-0123456789',
      'db-password-42',
    ];
    logger.info({ req: { headers: { authorization: secrets[0], host: 'api' } } }, 'request');
    logger.info(
      { body: { review: { accessArrangement: { type: 'hosted_endpoint', apiKey: secrets[1] } } } },
      'deep',
    );
    logger.warn({ user: { password: secrets[2] }, webhook: { signingSecret: secrets[3] } }, 'x');
    logger.error(`connect to postgres://engine:${secrets[7]}@db.internal failed`);
    logger.debug({ config: { PAYLOAD_CODEC_KEYS: codecKeys } }, 'config');
    logger.info(`codec key ${secrets[4]} and api key ${secrets[6]} in a message`);
    logger.info(`auth header was ${secrets[0]}`);

    const output = lines.join('\n');
    expect(lines).toHaveLength(7);
    for (const secret of secrets) expect(output).not.toContain(secret);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(output).toContain('[Redacted]');
    // What is not secret stays readable.
    expect(output).toContain('hosted_endpoint');
    expect(output).toContain('db.internal');
  });
});
