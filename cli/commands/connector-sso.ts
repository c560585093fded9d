import { readFileSync, writeFileSync } from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { request } from 'undici';
import { loadConfig } from '../../core/config';
import { printable } from '../../core/text';
import { resolveApiKey } from '../../secrets/secrets';
import { table } from '../format';
import { CliError } from '../http';
import { type Row, api, defined, json, path, print, program, query } from '../program';

type SsoKey = { id: string; active: boolean; createdAt: string; notAfter: string; fingerprintSha256: string; certificatePem: string };
type SsoConfig = {
  connectorId: string;
  active: boolean;
  idpEntityId: string;
  idpEntityIdIsDefault: boolean;
  ssoUrl: string;
  spEntityId: string | null;
  spEntityIdIsDefault: boolean;
  acsUrl: string | null;
  acsUrlIsDefault: boolean;
  activeKeyId: string;
  keys: SsoKey[];
  requestsSigned: boolean;
  spCertificate: { fingerprintSha256: string; subject: string; notAfter: string; certificatePem: string } | null;
  slack: { samlEndpoint: string; identityProviderIssuer: string; publicCertificate: string; serviceProviderIssuer: string | null; responsesSigned: boolean; assertionsSigned: boolean; signAuthnRequest: boolean };
  missing: string[];
  createdKeyId?: string;
};

const ssoPath = (id: string, ...rest: string[]) => `/v1/connectors/${[id, 'sso', ...rest].map(encodeURIComponent).join('/')}`;
const day = (iso: string) => iso.slice(0, 10);
const checked = (on: boolean) => (on ? 'checked' : 'unchecked');
/** The PEM block line by line (each line printed safely). */
const pemLines = (pem: string) => pem.trim().split('\n').map(printable).join('\n');

/** Exactly what Slack's SAML settings take, then where Bindery stands: keys, service provider, state. */
export function pasteBlock(c: SsoConfig): string {
  const s = c.slack;
  const lines = [
    `Connector ${c.connectorId}: SSO ${c.active ? 'active' : 'inactive'}`,
    '',
    "Enter in Slack (Settings & administration → Workspace settings → Authentication → Configure SAML):",
    `  SAML 2.0 Endpoint (HTTP)   ${printable(s.samlEndpoint)}`,
    `  Identity Provider Issuer   ${printable(s.identityProviderIssuer)}`,
    '  Public Certificate         (the whole block below)',
    pemLines(s.publicCertificate),
    '  Advanced options:',
    `    Service Provider Issuer  ${s.serviceProviderIssuer ? `${printable(s.serviceProviderIssuer)}${c.spEntityIdIsDefault ? ' (Slack’s default)' : ''}` : '(not set: see below)'}`,
    `    Responses Signed         ${checked(s.responsesSigned)}`,
    `    Assertions Signed        ${checked(s.assertionsSigned)}`,
    `    Sign AuthnRequest        ${checked(s.signAuthnRequest)}`,
    '',
    `Bindery posts signed responses to ${c.acsUrl ? `${printable(c.acsUrl)}${c.acsUrlIsDefault ? ' (Slack’s ACS URL for the team)' : ''}` : '(not set)'}`,
    requestsLine(c),
  ];
  const active = c.keys.find((k) => k.active);
  if (active) lines.push(`Signing key ${active.id}: SHA-256 ${active.fingerprintSha256}, valid until ${day(active.notAfter)}`);
  for (const k of c.keys.filter((k) => !k.active)) {
    lines.push(`Kept key ${k.id} (created ${day(k.createdAt)}, SHA-256 ${k.fingerprintSha256}): switch with \`bindery connector sso switch ${c.connectorId} ${k.id}\` and paste its certificate (\`bindery connector sso certificate ${c.connectorId} --key ${k.id}\`)`);
  }
  if (c.missing.length > 0) {
    lines.push('', `Not usable yet: ${c.missing.join(' and ')} ${c.missing.length > 1 ? 'have' : 'has'} no default. Set: bindery connector sso set ${c.connectorId} --sp-entity-id <issuer> --acs-url <url>`);
  }
  if (!c.active) lines.push('', `SSO is off for this connector: turn it on with \`bindery connector sso enable ${c.connectorId}\`.`);
  return lines.join('\n');
}

/** Whether AuthnRequests must be signed, and with which certificate; how to require it when they need not be. */
function requestsLine(c: SsoConfig): string {
  const sp = c.spCertificate;
  if (!sp) {
    return `AuthnRequests: read unsigned (to require signed ones: check “Sign AuthnRequest” in Slack, save the certificate Slack then shows to a file, and run \`bindery connector sso set ${c.connectorId} --sp-certificate-file <file>\`)`;
  }
  const expired = Date.parse(sp.notAfter) < Date.now() ? ' — EXPIRED' : '';
  return `AuthnRequests: must be signed; unsigned or wrongly signed ones are refused. SP certificate ${printable(sp.subject)}, SHA-256 ${sp.fingerprintSha256}, valid until ${day(sp.notAfter)}${expired}`;
}

/** The certificate in a file (`-`: standard input), for --sp-certificate-file; `default` clears it. */
function certificateFrom(file: string | undefined): string | null | undefined {
  if (file === undefined) return undefined;
  if (file === 'default') return null;
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the SP certificate from ${file === '-' ? 'standard input' : printable(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** GETs a text answer (the metadata XML) from the admin API, with the CLI's usual one-line errors. */
async function apiText(route: string): Promise<string> {
  const config = loadConfig();
  const baseUrl = program.opts<{ apiUrl?: string }>().apiUrl ?? config.apiUrl;
  let res;
  try {
    res = await request(new URL(route, baseUrl), { headers: { authorization: `Bearer ${resolveApiKey(config)}`, 'x-bindery-client': 'cli' } });
  } catch (err) {
    throw new CliError(`cannot reach the Bindery API at ${baseUrl} (${(err as Error).message}); is \`npm start\` running?`);
  }
  const text = await res.body.text();
  if (res.statusCode >= 400) {
    let problem: { title?: string; detail?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not a problem document: the status says enough
    }
    throw new CliError(printable(`${problem.title ?? `HTTP ${res.statusCode}`}: ${problem.detail ?? text}`));
  }
  return text;
}

/** The text to stdout, or to --out (a file), saying where it went. */
function emit(text: string, out: string | undefined, what: string): void {
  if (!out) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  writeFileSync(out, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o644 });
  console.error(`bindery: wrote ${what} to ${out}`);
}

/** `default` as a value brings a setting back to its default (null in the API). */
const orDefault = (v: string | undefined) => (v === undefined ? undefined : v === 'default' ? null : v);

/**
 * `bindery connector sso …`: the SAML settings of a connector (B3). The command `connector sso <id> on|off`
 * (cli/commands/connectors.ts) keeps working; these are its subcommands.
 */
export function ssoCommands(connector: Command): void {
  const sso =
    connector.commands.find((c) => c.name() === 'sso') ??
    connector.command('sso <id>').addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']));
  sso.description('SAML single sign-on of a connector: `sso <id> on|off` turns it on or off; the commands below show and change its settings').usage('<id> on|off | <command> …');

  sso
    .command('show <id>')
    .description('print exactly what to enter in Slack’s SAML settings (endpoint, issuer, certificate), with the signing keys and the service provider Bindery answers')
    .action(async (id: string) => {
      const c = await api()<SsoConfig>('GET', ssoPath(id));
      print(c, () => pasteBlock(c));
    });

  for (const [name, action, state] of [
    ['enable', 'activate', 'on'],
    ['disable', 'deactivate', 'off'],
  ] as const) {
    sso
      .command(`${name} <id>`)
      .description(`turn SSO ${state} for the connector (the same as \`connector sso <id> ${state}\`)`)
      .action(async (id: string) => {
        const c = await api()<Row>('POST', path('/v1/connectors', id, 'sso', action));
        print(c, () => `connector ${String(c.id)}: SSO ${c.ssoActive ? 'active' : 'inactive'}${c.ssoActive ? `\nWhat to enter in Slack: bindery connector sso show ${id}` : ''}`);
      });
  }

  sso
    .command('set <id>')
    .description('set the service provider Bindery answers (and the certificate it signs AuthnRequests with), or Bindery’s own issuer; `default` brings a setting back to its default')
    .option('--sp-entity-id <issuer>', 'the SP’s entity ID (Slack: “Service Provider Issuer”; default https://<teamname>.slack.com)')
    .option('--acs-url <url>', 'where responses are posted (default Slack’s https://<domain>/sso/saml; the emulator’s for a test)')
    .option('--idp-entity-id <issuer>', 'Bindery’s issuer for this connector (default: the connector’s SSO IdP URL)')
    .option('--sp-certificate-file <file>', 'the SP’s certificate, PEM (`-` reads standard input; Slack shows it once “Sign AuthnRequest” is checked): AuthnRequests must then be signed; `default`: read them unsigned again')
    .action(async (id: string, o: { spEntityId?: string; acsUrl?: string; idpEntityId?: string; spCertificateFile?: string }) => {
      const body = defined({ spEntityId: orDefault(o.spEntityId), acsUrl: orDefault(o.acsUrl), idpEntityId: orDefault(o.idpEntityId), spCertificatePem: certificateFrom(o.spCertificateFile) });
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give --sp-entity-id, --acs-url, --idp-entity-id or --sp-certificate-file (see `bindery connector sso set --help`)');
      const c = await api()<SsoConfig>('PATCH', ssoPath(id), body);
      print(c, () => pasteBlock(c));
    });

  sso
    .command('rotate <id>')
    .description('generate a new signing key and certificate; the key in use keeps signing until you switch')
    .action(async (id: string) => {
      const c = await api()<SsoConfig>('POST', ssoPath(id, 'keys'));
      print(c, () => {
        const k = c.keys.find((key) => key.id === c.createdKeyId);
        return [
          `connector ${c.connectorId}: new signing key ${String(c.createdKeyId)}${k ? ` (SHA-256 ${k.fingerprintSha256})` : ''}; ${c.activeKeyId === c.createdKeyId ? 'it signs from now on' : `${c.activeKeyId} still signs`}.`,
          ...(c.activeKeyId === c.createdKeyId
            ? []
            : [`To switch: paste the new certificate into Slack (bindery connector sso certificate ${c.connectorId} --key ${String(c.createdKeyId)}) and at the same time run: bindery connector sso switch ${c.connectorId} ${String(c.createdKeyId)}`]),
        ].join('\n');
      });
    });

  sso
    .command('switch <id> <keyId>')
    .description('sign responses with another key from now on (paste its certificate into Slack at the same moment)')
    .action(async (id: string, keyId: string) => {
      const c = await api()<SsoConfig>('POST', ssoPath(id, 'keys', keyId, 'activate'));
      print(c, () => `connector ${c.connectorId}: responses are signed with ${c.activeKeyId} from now on. Slack’s “Public Certificate” must be:\n${pemLines(c.slack.publicCertificate)}`);
    });

  sso
    .command('delete-key <id> <keyId>')
    .description('delete a signing key that is not in use')
    .action(async (id: string, keyId: string) => {
      await api()('DELETE', ssoPath(id, 'keys', keyId));
      const c = await api()<SsoConfig>('GET', ssoPath(id));
      print(c, () => `deleted key ${keyId}\n${table(c.keys as unknown as Row[], ['id', 'active', 'createdAt', 'notAfter', 'fingerprintSha256'])}`);
    });

  sso
    .command('metadata <id>')
    .description('print (or --out) the IdP metadata XML: entity ID, SSO endpoints, signing certificate')
    .addOption(new Option('--key <keyId>', 'another key’s certificate (default: the one in use)'))
    .option('--out <file>', 'write it to a file instead')
    .action(async (id: string, o: { key?: string; out?: string }) => {
      const xml = await apiText(ssoPath(id, 'metadata') + query({ keyId: o.key }));
      if (json()) console.log(JSON.stringify({ connectorId: id, metadata: xml }, null, 2));
      else emit(xml, o.out, 'the IdP metadata');
    });

  sso
    .command('certificate <id>')
    .description('print (or --out) the signing certificate, PEM: Slack’s “Public Certificate”')
    .addOption(new Option('--key <keyId>', 'another key’s certificate (default: the one in use)'))
    .option('--out <file>', 'write it to a file instead (certificate.pem)')
    .action(async (id: string, o: { key?: string; out?: string }) => {
      const c = await api()<SsoConfig>('GET', ssoPath(id));
      const keyId = o.key ?? c.activeKeyId;
      const key = c.keys.find((k) => k.id === keyId);
      if (!key) throw new CliError(`connector ${id} has no signing key ${keyId}; its keys: ${c.keys.map((k) => k.id).join(', ')}`);
      if (json()) console.log(JSON.stringify({ connectorId: id, keyId, certificate: key.certificatePem }, null, 2));
      else emit(key.certificatePem, o.out, 'the certificate');
    });
}
