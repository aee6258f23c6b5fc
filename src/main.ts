/**
 * The composition root: `start(config)` builds the service and listens. Importing this module
 * starts nothing (the CLI's `serve` and tests call `start` with their own configuration); run as a
 * program (`npm start`, `node dist/main.js`, `tsx src/main.ts`) it serves with the configuration
 * from the environment until SIGINT or SIGTERM.
 */
import { pino } from 'pino';
import { configFromProcess, type Config } from './config.js';
import { isGxTrustError } from './errors.js';
import { addressOf, startListeners, type Listeners } from './http/listeners.js';
import { createLogger } from './observability/logger.js';
import { createService, type Service } from './service.js';
import { isProgram } from './is-program.js';

export interface RunningService {
  service: Service;
  listeners: Listeners;
  /** Where the main listener is bound, as `http://host:port` (the port is the real one when 0 was asked). */
  listeningAt: string;
  /** Stops accepting connections, lets requests in flight finish, then closes the store and the workers. */
  close(): Promise<void>;
}

export async function start(config: Config): Promise<RunningService> {
  const service = await createService(config);
  let listeners: Listeners;
  try {
    listeners = await startListeners(config, service);
  } catch (error) {
    await service.close();
    throw error;
  }
  // The development admin key itself never goes into a log line: only where it is kept.
  const developmentKeyFile = developmentAdminKeyFile(config, service);
  const listeningAt = `http://${addressOf(listeners.main)}`;
  service.logger.info(
    {
      baseUrl: config.baseUrl, env: config.env, did: service.keyring.did, didDocument: `${config.baseUrl}/.well-known/did.json`, developmentKeyFile,
      listen: addressOf(listeners.main), ...(listeners.metrics === undefined ? {} : { metricsListen: addressOf(listeners.metrics) }),
    },
    `gx-trust listening on ${addressOf(listeners.main)} as ${config.baseUrl} (${config.env})`,
  );
  let closing: Promise<void> | undefined;
  return {
    service,
    listeners,
    listeningAt,
    close: () => (closing ??= listeners.close().then(() => service.close())),
  };
}

function developmentAdminKeyFile(config: Config, service: Service): string | undefined {
  return config.env === 'development' && service.adminApiKey !== undefined && config.adminApiKey === undefined
    ? `${config.keysDir}/admin-api-key.txt`
    : undefined;
}

/**
 * Serves until SIGINT or SIGTERM, and says so on stderr: a newcomer who typed `npm start` sees why
 * the prompt does not come back, where to send requests and how to stop it.
 */
export async function serveInForeground(config: Config): Promise<RunningService> {
  const running = await start(config);
  const { service } = running;
  // The contract of `npm start` on a fresh machine: the generated development key is printed so
  // the curl examples work. It is a banner on stderr, not a log line (logs never carry a key),
  // and it exists only in development, where the key guards nothing of value.
  const developmentKeyFile = developmentAdminKeyFile(config, service);
  const keyBanner =
    developmentKeyFile === undefined
      ? ''
      : `\ngx-trust development admin API key: ${service.adminApiKey}\n  (kept in ${developmentKeyFile}; set GX_ADMIN_API_KEY to choose your own)\n`;
  process.stderr.write(
    `${keyBanner}\ngx-trust is serving ${running.listeningAt} as ${service.keyring.did} (${config.env}).\n` +
      `It stays in the foreground: stop it with Ctrl+C (SIGINT) or SIGTERM; try ${running.listeningAt}/health or ${running.listeningAt}/docs.\n\n`,
  );
  const stop = (): void => {
    void running.close().then(() => process.exit(0), () => process.exit(1));
    // Requests that do not finish in time are not waited for.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return running;
}

/** Reports a failed start on stderr and exits 1. */
export function failedToStart(error: unknown): never {
  // The configuration may be what failed, so this logger takes no setting from it; synchronous,
  // so the line is written before the exit.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: 2, sync: true }) });
  if (isGxTrustError(error)) {
    logger.fatal({ code: error.code, pointer: error.pointer, hint: error.hint }, `gx-trust: ${error.code}: ${error.message}`);
  } else {
    logger.fatal({ err: error }, 'gx-trust failed to start');
  }
  process.exit(1);
}

if (isProgram(import.meta.url)) {
  try {
    await serveInForeground(configFromProcess());
  } catch (error) {
    failedToStart(error);
  }
}
