/**
 * The service under load, in its own process (so the load generator's CPU does not count against
 * the server's event loop): gx-trust on 127.0.0.1, port 0, configured from the environment the
 * driver passes, reporting its event-loop delay over the IPC channel.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const config = parseConfig({ ...process.env, PORT: String(port), GX_BASE_URL: `http://localhost:${port}` });
const service = await createService(config, { log: () => {} });
server.keepAliveTimeout = 60_000;
server.on('request', service.listener);

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// CPU of the whole process (main thread and pool threads) since the last reset: the load
// generator shares the cores, so requests per server CPU-second is the figure that compares runs.
let cpuAtReset = process.cpuUsage();

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') {
    delay.reset();
    cpuAtReset = process.cpuUsage();
    process.send?.({ type: 'reset' });
  } else if (message.type === 'stats') {
    process.send?.({ type: 'stats', eventLoopP99Ms: delay.percentile(99) / 1e6, eventLoopMaxMs: delay.max / 1e6, cpuSeconds: cpuSecondsSince(cpuAtReset) });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close();
    void service.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}`, apiKey: service.adminApiKey ?? '', did: service.keyring.did });
