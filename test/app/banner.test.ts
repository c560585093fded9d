import { expect, it } from 'vitest';
import { startBanner } from '../../app/banner';

it('says where the emulator token is, and never prints it (the banner ends up in logs)', () => {
  const text = startBanner({ database: 'pglite database in /d/db', uiPort: 8233, temporalPort: 7233, apiUrl: 'http://127.0.0.1:8080', apiKeyAt: '/d/api-key', slack: { baseUrl: 'http://127.0.0.1:8099/scim/v2', tokenAt: '/d/emulator-token' } });
  expect(text).toContain('(emulator; its token is in /d/emulator-token)');
  expect(text).toContain('--token-stdin < /d/emulator-token');
  expect(text).not.toMatch(/xoxp-/);
  expect(text).toContain('(key in /d/api-key)');
});
