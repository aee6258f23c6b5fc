/** `npm start`: the server on the embedded defaults (development keys, a did:web for localhost). */
import { configFromProcess } from './config.js';
import { isGxTrustError } from './errors.js';
import { createService } from './service.js';

async function main(): Promise<void> {
  const config = configFromProcess();
  const service = await createService(config);
  const server = service.app.listen(config.port, () => {
    const lines = [
      `gx-trust listening on ${config.baseUrl} (${config.env})`,
      `  DID:      ${service.keyring.did}`,
      `  document: ${config.baseUrl}/.well-known/did.json`,
    ];
    if (config.env === 'development' && service.adminApiKey !== undefined && config.adminApiKey === undefined) {
      lines.push(`  development admin API key (kept in ${config.keysDir}/admin-api-key.txt): ${service.adminApiKey}`);
    }
    console.log(lines.join('\n'));
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (isGxTrustError(error)) {
    console.error(`gx-trust: ${error.code}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
