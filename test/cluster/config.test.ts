import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { conventionalPorts, databasesFromUrl, dynamicConfig, PORT_COUNT, portsFromList, serverConfig, SERVICES } from '../../cluster/config';
import { freePorts } from '../../cluster/server';
import { SETTINGS } from '../../core/config';

// The real Temporal server's configuration as data (cluster/config.ts), and the ports it is given.
describe('conventionalPorts', () => {
  it("derive Temporal's usual ports from the frontend's", () => {
    expect(conventionalPorts(7233)).toEqual({
      frontend: { grpc: 7233, membership: 6933 },
      history: { grpc: 7234, membership: 6934 },
      matching: { grpc: 7235, membership: 6935 },
      worker: { grpc: 7239, membership: 6939 },
      frontendHttp: 7243,
    });
  });

  it.each([300, 65_526, 0])('refuse frontend port %i, which leaves no room for the others', (port) => {
    expect(() => conventionalPorts(port)).toThrow(/between 301 and 65525/);
  });

  it('accept both ends of the range', () => {
    expect(conventionalPorts(301).frontend.membership).toBe(1);
    expect(conventionalPorts(65_525).frontendHttp).toBe(65_535);
  });
});

describe('portsFromList', () => {
  it('give every service two distinct ports and the frontend its HTTP port', () => {
    const list = Array.from({ length: PORT_COUNT }, (_, i) => 20_000 + i);
    const ports = portsFromList(list);
    const used = [...SERVICES.flatMap((s) => [ports[s].grpc, ports[s].membership]), ports.frontendHttp];
    expect(used.sort()).toEqual(list);
  });

  it('refuse a list of the wrong length', () => {
    expect(() => portsFromList([1, 2, 3])).toThrow(`expected ${PORT_COUNT} ports, got 3`);
  });
});

describe('freePorts', () => {
  it('pick distinct free ports below 32768 (the server keeps membership ports in a smallint)', async () => {
    const ports = await freePorts(PORT_COUNT);
    expect(new Set(ports).size).toBe(PORT_COUNT);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...ports)).toBeLessThan(32_768);
  });

  it('skip a port that is taken', async () => {
    const taken = createServer().listen(31_000, '127.0.0.1');
    await once(taken, 'listening');
    try {
      expect(await freePorts(1, { from: 31_000, to: 31_001 })).toEqual([31_001]);
    } finally {
      taken.close();
    }
  });

  it('say so when the range has too few', async () => {
    const taken = createServer().listen(31_002, '127.0.0.1');
    await once(taken, 'listening');
    try {
      await expect(freePorts(1, { from: 31_002, to: 31_002 })).rejects.toThrow('found only 0 free ports of 1 between 31002 and 31002');
    } finally {
      taken.close();
    }
  });
});

describe('databasesFromUrl', () => {
  it("read the setting's default: role temporal, databases temporal and temporal_visibility", () => {
    const { main, visibility } = databasesFromUrl(SETTINGS.temporalClusterDatabaseUrl.default!);
    expect(main).toEqual({ host: '127.0.0.1', port: 5432, user: 'temporal', password: 'temporal', database: 'temporal' });
    expect(visibility).toEqual({ ...main, database: 'temporal_visibility' });
  });

  it('decode escaped credentials, default the port, and take another database name when given one', () => {
    const { main, visibility } = databasesFromUrl('postgresql://t%40x:p%3Aw%2F@db.internal/ignored', 'temporal_ab12');
    expect(main).toEqual({ host: 'db.internal', port: 5432, user: 't@x', password: 'p:w/', database: 'temporal_ab12' });
    expect(visibility.database).toBe('temporal_ab12_visibility');
  });

  it.each([
    ['not a URL', 'temporal', /not a PostgreSQL URL: temporal/],
    ['another scheme', 'mysql://u:p@h/db', /scheme mysql:/],
    ['no database', 'postgres://u:p@h:5432/', /names no database/],
  ])('refuse %s, saying what to write', (_, url, message) => {
    expect(() => databasesFromUrl(url)).toThrow(message);
  });

  it('never repeat the password in an error', () => {
    expect(() => databasesFromUrl('postgres://u:secret@h:notaport/db')).toThrow(/u:\*\*\*@/);
    expect(() => databasesFromUrl('postgres://u:secret@h:notaport/db')).not.toThrow(/secret/);
  });
});

describe('serverConfig', () => {
  const databases = databasesFromUrl('postgres://temporal:pw@127.0.0.1:5433/temporal_x');
  const config = serverConfig({ ports: conventionalPorts(7233), databases, dynamicConfigPath: '/state/config/dynamic.yaml', logLevel: 'warn' });

  it('keep history and visibility in their PostgreSQL databases through the postgres12 plugin', () => {
    const stores = config.persistence.datastores;
    expect(stores[config.persistence.defaultStore as keyof typeof stores].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_x', connectAddr: '127.0.0.1:5433', user: 'temporal', password: 'pw' });
    expect(stores[config.persistence.visibilityStore as keyof typeof stores].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_x_visibility' });
  });

  it('bind every service to loopback on its ports, and point the cluster and internal clients at the frontend', () => {
    expect(Object.keys(config.services).sort()).toEqual([...SERVICES].sort());
    expect(config.services.frontend!.rpc).toEqual({ grpcPort: 7233, membershipPort: 6933, bindOnLocalHost: true, httpPort: 7243 });
    expect(config.services.worker!.rpc).toEqual({ grpcPort: 7239, membershipPort: 6939, bindOnLocalHost: true });
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:7233');
    expect(config.publicClient.hostPort).toBe('127.0.0.1:7233');
    expect(config.dynamicConfigClient.filepath).toBe('/state/config/dynamic.yaml');
  });

  it('survive a round trip through JSON (the files are written as JSON, which is YAML)', () => {
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(JSON.parse(JSON.stringify(dynamicConfig()))).toEqual({ 'frontend.enableServerVersionCheck': [{ value: false, constraints: {} }] });
  });
});
