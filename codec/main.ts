import { loadConfig } from '../core/config';
import { createLogger } from '../observability/log';
import { resolveApiKey } from '../secrets/secrets';
import { parseOrigins } from './access';
import { EncryptionCodec } from './codec';
import { resolveCodecKeys } from './keys';
import { startCodecServer } from './server';

/**
 * `npx tsx codec/main.ts`: the codec server alone (production shape: its own container beside the Temporal
 * Web UI, whose TEMPORAL_CODEC_ENDPOINT points at it). `npm start` runs one in its own process instead.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'codec', level: config.logLevel });
  const server = await startCodecServer({
    codec: new EncryptionCodec(resolveCodecKeys(config)),
    tokens: [resolveApiKey(config)],
    allowOrigins: parseOrigins(config.codecAllowOrigins),
    namespace: config.temporalNamespace,
    host: config.codecHost,
    port: config.codecPort,
    logger,
  });
  logger.info({ endpoint: server.url, allowOrigins: parseOrigins(config.codecAllowOrigins) }, `codec server listening on ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`codec server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
