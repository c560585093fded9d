/**
 * What `npm start` prints once everything runs: where each part is, and the first commands to try. Secrets
 * are never printed (logs keep what is printed): it says where to read them.
 */
export function startBanner(o: {
  database: string;
  uiPort: number;
  temporalPort: number;
  apiUrl: string;
  apiKeyAt: string;
  /** `tokenAt`: where the emulator's token is kept; absent for a real Slack. */
  slack: { baseUrl: string; tokenAt?: string };
  /** The local catcher's inbox (JSON), or the SMTP server mail goes to (without credentials). */
  mail?: { inbox: string } | { server: string };
}): string {
  const tokenFile = o.slack.tokenAt?.startsWith('/') ? o.slack.tokenAt : '<file holding the token>';
  return `
Bindery is running (${o.database}).
  Temporal Web UI   http://127.0.0.1:${o.uiPort}
  Temporal server   127.0.0.1:${o.temporalPort}
  Admin API         ${o.apiUrl}   (key in ${o.apiKeyAt})
  Slack SCIM        ${o.slack.baseUrl}${o.slack.tokenAt ? `   (emulator; its token is in ${o.slack.tokenAt})` : ''}${
    o.mail ? `\n  Mail              ${'inbox' in o.mail ? `${o.mail.inbox}   (local catcher: what Bindery sent, as JSON)` : o.mail.server}` : ''
  }

Try, in another terminal in this folder (npx bindery --help lists every command):
  npx bindery connector create --label Slack --team-name acme --team-domain acme.slack.com --scim-url ${o.slack.baseUrl} --token-stdin < ${tokenFile}
  npx bindery group create --name Everyone
  npx bindery connector bind <connectorId> <groupId>
  npx bindery user create --username ada --email ada@example.com --first-name Ada --last-name Lovelace
  npx bindery group add-member <groupId> <userId>
  npx bindery events
Ctrl-C stops everything.`;
}
