import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { warnOnStderr } from './domain/services.js';
import { buildApp } from './http/app.js';
import { openRuntime, type Runtime } from './runtime.js';
import { StartupError } from './startup-error.js';
import type { Clock } from './lib/clock.js';
import { pinTickObjectShape } from './lib/tick-shape.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  /** The address actually bound (port 0 becomes a real port). */
  url: string;
  setupUrl: string | null;
  close(): Promise<void>;
}

/** Opens everything, listens, and prints the one-time setup URL while no administrator exists. */
export async function startServer(
  config: Config,
  options: { clock?: Clock; logStream?: NodeJS.WritableStream; announce?: (line: string) => void } = {},
): Promise<RunningServer> {
  let https: { key: Buffer; cert: Buffer } | null = null;
  if (config.tlsCert && config.tlsKey) {
    try {
      https = { cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) };
    } catch (error) {
      throw new StartupError(`cannot read TLS certificate or key: ${(error as Error).message}`);
    }
  }
  // Before the first request: keeps V8's handling of Node's nextTick records fast (see there).
  pinTickObjectShape();
  // Domain warnings go to the server's log once it exists.
  let warn = warnOnStderr;
  const runtime = await openRuntime(config, { clock: options.clock, scanInBackground: true, warn: (m, d) => warn(m, d) });
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ config, services: runtime.services, logStream: options.logStream as never, https });
    const log = app.log;
    warn = (message, data) => log.warn(data, message);
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Whatever the app opened (git processes, the push hooks' channel, timers) must not keep a failed start alive.
    await app?.close().catch(() => {});
    await runtime.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`port ${config.port} on ${config.host} is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`cannot listen on host ${config.host}`);
    if (code === 'EACCES') throw new StartupError(`not allowed to listen on port ${config.port}`);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const scheme = https ? 'https' : 'http';
  const url = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // A configured base URL wins; otherwise links use the address actually bound.
  if (!config.baseUrlConfigured) config.baseUrl = url;
  const code = await runtime.services.setup.issue();
  const setupUrl = code ? `${config.baseUrl}/-/setup?code=${code}` : null;
  const announce = options.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
  announce(`Gitgate listening on ${url} (base URL ${config.baseUrl})`);
  if (setupUrl) announce(`No administrator yet. Create the first one at: ${setupUrl}`);

  // Expiry notices: every instance runs the sweep; a claim in the database sends each notice once.
  const sweep = () => {
    runtime.services.notices.sendDueExpiryNotices().catch((error) => app.log.warn({ err: error }, 'expiry notices failed'));
  };
  const noticeTimer = setInterval(sweep, 60_000);
  noticeTimer.unref();
  sweep();

  let closing: Promise<void> | null = null;
  return {
    app,
    runtime,
    url,
    setupUrl,
    close() {
      closing ??= (async () => {
        clearInterval(noticeTimer);
        await app.close();
        await runtime.close();
      })();
      return closing;
    },
  };
}
