import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile } from '../db/secrets';

/** The admin API key: BINDERY_API_KEY, else one generated into the data directory (shared by API and CLI). */
export function resolveApiKey(config: { apiKey?: string; dataDir: string }): string {
  return config.apiKey ?? readOrCreateSecretFile(join(config.dataDir, 'api-key'), () => randomBytes(24).toString('base64url'));
}
