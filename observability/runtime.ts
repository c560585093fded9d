import { createServer } from 'node:net';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { type Logger, temporalLogger } from './log';

/** A loopback port free right now (the SDK's exporter needs a fixed address; nobody else is told it). */
async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export type RuntimeSetup = {
  /** SDK and workflow/activity logs through pino (JSON); without it, the SDK's plain default logger. */
  logger?: Logger;
  level: LogLevel;
  /** Export the SDK's worker metrics in Prometheus form, for the metrics server to append. */
  sdkMetrics?: boolean;
};

/**
 * Installs the Temporal SDK's runtime once per process, before any connection: its logger, the native
 * core's logs forwarded to it (warnings and errors), and its Prometheus exporter on a private loopback port.
 * Returns where that exporter answers, for startMetricsServer.
 */
export async function installRuntime(setup: RuntimeSetup): Promise<{ sdkMetricsUrl?: string }> {
  const bindAddress = setup.sdkMetrics ? `127.0.0.1:${await freeLoopbackPort()}` : undefined;
  Runtime.install({
    logger: setup.logger ? temporalLogger(setup.logger) : new DefaultLogger(setup.level),
    telemetryOptions: {
      ...(setup.logger ? { logging: { forward: {}, filter: { core: setup.level === 'ERROR' ? 'ERROR' : 'WARN', other: 'ERROR' } } } : {}),
      ...(bindAddress ? { metrics: { prometheus: { bindAddress } } } : {}),
    },
  });
  return { sdkMetricsUrl: bindAddress ? `http://${bindAddress}/metrics` : undefined };
}
