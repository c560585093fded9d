import { createServer } from 'node:http';
import type { Db } from '../db/client';
import { Registry } from 'prom-client';
import { databaseMetrics, registry } from './metrics';

/**
 * A process's Prometheus endpoint, GET /metrics (BINDERY_METRICS_HOST:BINDERY_METRICS_PORT): Bindery's own
 * metrics (observability/metrics.ts), the database gauges when the process has a database, and the
 * Temporal SDK's worker metrics (`temporal_*`, served by the SDK's exporter on a loopback port of its own
 * that only this endpoint reads), so each worker is one scrape target.
 */
export type MetricsServerOptions = { host: string; port: number; db?: Db; sdkMetricsUrl?: string };
export type RunningMetricsServer = { url: string; close(): Promise<void> };

const SDK_TIMEOUT_MS = 2_000;

/** The exposition text: Bindery's registries, then the SDK's (its absence said in a comment, not an error). */
export async function metricsText(bindery: Registry, sdkMetricsUrl?: string): Promise<string> {
  const own = await bindery.metrics();
  if (!sdkMetricsUrl) return own;
  try {
    const res = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(SDK_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return `${own.trimEnd()}\n${(await res.text()).trimEnd()}\n`;
  } catch (err) {
    return `${own.trimEnd()}\n# Temporal SDK metrics unavailable: ${(err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ')}\n`;
  }
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<RunningMetricsServer> {
  const bindery = opts.db ? Registry.merge([registry, databaseMetrics(opts.db)]) : registry;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Prometheus metrics are at GET /metrics\n');
      return;
    }
    metricsText(bindery, opts.sdkMetricsUrl).then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`# metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`the metrics port ${opts.host}:${opts.port} is in use: set BINDERY_METRICS_PORT to a free port (0 picks one)`) : err),
    );
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as { port: number };
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
