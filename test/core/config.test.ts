import { describe, expect, it } from 'vitest';
import { SETTINGS, loadConfig } from '../../core/config';

describe('configuration from the environment', () => {
  it('has a default for everything not required', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ dataDir: '.data', apiPort: 8080, temporalAddress: 'localhost:7233', taskQueue: 'bindery', emulatorPort: 8099, temporalUiPort: 8233 });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads every documented variable', () => {
    const env = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.env, s.default ?? 'x']));
    env.BINDERY_API_PORT = '9000';
    env.SLACK_SCIM_URL = 'https://api.slack.com/scim/v2';
    env.BINDERY_PUBLIC_URL = 'https://bindery.example.com';
    expect(loadConfig(env)).toMatchObject({ apiPort: 9000, slackScimUrl: 'https://api.slack.com/scim/v2', publicUrl: 'https://bindery.example.com' });
  });

  it('names the variable when a value is bad', () => {
    expect(() => loadConfig({ BINDERY_API_PORT: 'eighty' })).toThrow(/^bad configuration: BINDERY_API_PORT: /);
    expect(() => loadConfig({ BINDERY_API_URL: 'not a url' })).toThrow(/BINDERY_API_URL/);
  });
});
