/**
 * The adversarial share of `npm run load`, sent from a process of its own: an attacker does not
 * share the connector's event loop. Sent from the driver's process, writing 256 KiB bodies and
 * holding hundreds of slow sockets delayed the driver's own benign requests, and their measured
 * p99, whatever the server did. Started by attackFromAnotherProcess (driver.ts); one run, then exit.
 */
import { adversarial, openLoop, rowsOf, type Fixtures } from './driver.js';

interface AttackOrder {
  url: string;
  perSecond: number;
  seconds: number;
  fixtures: Fixtures;
  slowHost: string;
  bodyLimitBytes: number;
  server: string;
}

process.once('message', (order: AttackOrder) => {
  void openLoop(order.url, order.perSecond, order.seconds, adversarial(order.fixtures, order.slowHost, order.bodyLimitBytes)).then((run) => {
    process.send?.({ type: 'rows', rows: rowsOf('the adversarial share', order.server, run, undefined) }, () => process.exit(0));
  });
});
process.send?.({ type: 'ready' });
