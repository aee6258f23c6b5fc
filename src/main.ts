/** `npm start`: the server on the embedded defaults (development keys, a did:web for localhost). */
import { configFromProcess } from './config.js';
import { isGxTrustError } from './errors.js';
import { pino } from 'pino';
import { createLogger } from './observability/logger.js';
import { addressOf, startListeners } from './http/listeners.js';
import { createService } from './service.js';

async function main(): Promise<void> {
  const config = configFromProcess();
  const service = await createService(config);
  const listeners = await startListeners(config, service);
  // The development admin key itself never goes into a log line: only where it is kept.
  const developmentKeyFile =
    config.env === 'development' && service.adminApiKey !== undefined && config.adminApiKey === undefined
      ? `${config.keysDir}/admin-api-key.txt`
      : undefined;
  service.logger.info(
    {
      baseUrl: config.baseUrl, env: config.env, did: service.keyring.did, didDocument: `${config.baseUrl}/.well-known/did.json`, developmentKeyFile,
      listen: addressOf(listeners.main), ...(listeners.metrics === undefined ? {} : { metricsListen: addressOf(listeners.metrics) }),
    },
    `gx-trust listening on ${addressOf(listeners.main)} as ${config.baseUrl} (${config.env})`,
  );
  // The contract of `npm start` on a fresh machine: the generated development key is printed so
  // the curl examples work. It is a banner on stderr, not a log line (logs never carry a key),
  // and it exists only in development, where the key guards nothing of value.
  if (developmentKeyFile !== undefined) {
    process.stderr.write(`\ngx-trust development admin API key: ${service.adminApiKey}\n  (kept in ${developmentKeyFile}; set GX_ADMIN_API_KEY to choose your own)\n\n`);
  }
  const stop = (): void => {
    void listeners.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // The configuration may be what failed, so this logger takes no setting from it; synchronous,
  // so the line is written before the exit.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: 2, sync: true }) });
  if (isGxTrustError(error)) {
    logger.fatal({ code: error.code, pointer: error.pointer, hint: error.hint }, `gx-trust: ${error.code}: ${error.message}`);
  } else {
    logger.fatal({ err: error }, 'gx-trust failed to start');
  }
  process.exit(1);
});
