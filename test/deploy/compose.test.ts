import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../core/config';

// docker-compose.yml and the Dockerfile, checked without a Docker engine: the Compose file against the
// Compose specification's JSON Schema (vendored, see test/deploy/README.md), then against Bindery itself —
// its settings, its entry points, its ports, the versions setup installs — so that it stays in step.
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const schema = JSON.parse(read('test/deploy/compose-spec.json'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  expose?: string[];
  deploy?: { replicas?: number };
  configs?: Array<{ source: string; target: string }>;
};
type Compose = { services: Record<string, Service>; configs?: Record<string, { content?: string }> };

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;
const service = (name: string) => compose.services[name]!;
const env = (name: string) => service(name).environment ?? {};
const errorsOf = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
const setupVersion = (name: string) => new RegExp(`^${name}=v?([\\w.]+)`, 'm').exec(read('scripts/setup-steps.sh'))?.[1];
const bindery = ['api', 'worker', 'codec'];

describe('docker-compose.yml against the Compose specification', () => {
  it('is valid', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('and the check bites: a misspelt key or a wrong type is refused', () => {
    const broken = parse(composeText, { merge: true }) as Compose & { services: Record<string, Record<string, unknown>> };
    broken.services.worker!.restart = ['always'];
    broken.services.api!.imagee = 'typo';
    const errors = errorsOf(broken);
    expect(errors.join('\n')).toMatch(/\/services\/worker\/restart must be string/);
    expect(errors.join('\n')).toMatch(/\/services\/api must NOT have additional properties/);
  });
});

describe('docker-compose.yml against Bindery', () => {
  it('runs the API, N workers and the codec server from the image, each with an entry point that exists', () => {
    for (const name of bindery) {
      expect(service(name).build, name).toBe('.');
      const [node, flag, loader, entry] = service(name).command!;
      expect([node, flag, loader], name).toEqual(['node', '--import', 'tsx']);
      expect(existsSync(new URL(entry!, root)), `${name}: ${entry}`).toBe(true);
    }
    expect(service('worker').deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('sets only variables Bindery reads (core/config.ts), and takes every secret from the environment', () => {
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    for (const name of bindery) {
      for (const [key, value] of Object.entries(env(name))) {
        expect(known.has(key), `${name}: ${key} is not a Bindery setting`).toBe(true);
        if (/KEY|KEYS|SECRET/.test(key)) expect(String(value), `${name}: ${key}`).toMatch(/^\$\{[A-Z_]+:\?.+\}$/);
      }
    }
    for (const name of ['api', 'worker']) expect(Object.keys(env(name))).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'BINDERY_SECRET_KEY', 'BINDERY_CODEC_KEYS', 'SMTP_URL']));
    // The codec server gets no database or SCIM secrets: only the codec keys and the key that grants access.
    expect(Object.keys(env('codec'))).not.toContain('DATABASE_URL');
    expect(Object.keys(env('codec'))).not.toContain('BINDERY_SECRET_KEY');
    expect(env('codec').BINDERY_CODEC_KEYS).toBe(env('worker').BINDERY_CODEC_KEYS);
  });

  it('points the Web UI at the codec server, which allows the UI’s origin', () => {
    const [uiHostPort] = service('temporal-ui').ports![0]!.split(':').slice(-2);
    const codecPort = String(env('codec').BINDERY_CODEC_PORT);
    expect(service('codec').ports).toContain(`127.0.0.1:${codecPort}:${codecPort}`);
    expect(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:${codecPort}`);
    expect(String(env('codec').BINDERY_CODEC_ALLOW_ORIGINS).split(',')).toContain(`http://localhost:${uiHostPort}`);
    expect(env('codec').BINDERY_CODEC_HOST).toBe('0.0.0.0');
  });

  it('has Prometheus scrape every worker replica on its metrics port, and the Temporal server', () => {
    const port = Number(env('worker').BINDERY_METRICS_PORT);
    expect(env('worker').BINDERY_METRICS_HOST).toBe('0.0.0.0');
    expect(service('worker').expose).toContain(String(port));
    const prometheus = parse(compose.configs![service('prometheus').configs![0]!.source]!.content!) as { scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }>; static_configs?: Array<{ targets: string[] }> }> };
    const workers = prometheus.scrape_configs.find((j) => j.job_name === 'bindery-worker')!;
    expect(workers.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port })]);
    const temporalMetrics = String(env('temporal').PROMETHEUS_ENDPOINT).split(':').at(-1);
    expect(prometheus.scrape_configs.find((j) => j.job_name === 'temporal-server')!.static_configs![0]!.targets).toEqual([`temporal:${temporalMetrics}`]);
  });

  it('uses the Temporal server and mailpit versions that setup installs', () => {
    expect(service('temporal').image).toBe(`temporalio/auto-setup:${setupVersion('TEMPORAL_SERVER_VERSION')}`);
    expect(service('temporal-admin').image).toMatch(new RegExp(`^temporalio/admin-tools:${setupVersion('TEMPORAL_SERVER_VERSION')}-`));
    expect(service('mailpit').image).toBe(`axllent/mailpit:v${setupVersion('MAILPIT_VERSION')}`);
    expect(env('api').SMTP_URL).toBe('smtp://mailpit:1025');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l));

  it('builds on Debian with the Node major version package.json asks for', () => {
    const from = instructions.find((l) => l.startsWith('FROM '))!;
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(from).toMatch(new RegExp(`^FROM node:${/\d+/.exec(engines)![0]}-(bookworm|trixie)(-slim)?$`)); // glibc: Temporal's core has no musl build
  });

  it('installs production dependencies only, which include the TypeScript loader the commands use', () => {
    expect(instructions).toContain('RUN npm ci --omit=dev');
    expect(Object.keys((JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies)).toContain('tsx');
  });

  it('bakes the workflow bundle where BINDERY_WORKFLOW_BUNDLE says, and runs the worker by default', () => {
    const bundle = /RUN node --import tsx scripts\/bundle\.ts (\S+)/.exec(dockerfile)?.[1];
    expect(bundle).toBeTruthy();
    expect(dockerfile).toMatch(new RegExp(`ENV .*BINDERY_WORKFLOW_BUNDLE=${bundle}`));
    expect(existsSync(new URL('scripts/bundle.ts', root))).toBe(true);
    expect(instructions.at(-1)).toBe('CMD ["node", "--import", "tsx", "worker/main.ts"]');
    expect(instructions).toContain('USER node');
  });

  it('exposes the ports the compose services use', () => {
    const exposed = instructions.find((l) => l.startsWith('EXPOSE '))!.split(/\s+/).slice(1);
    expect(exposed).toEqual(expect.arrayContaining(['8080', String(env('codec').BINDERY_CODEC_PORT), String(env('worker').BINDERY_METRICS_PORT)]));
  });

  it('keeps local state and installed dependencies out of the image (.dockerignore)', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.data', 'node_modules']));
  });
});
