/**
 * The adversarial share of `npm run load`, sent from a process of its own: an attacker does not
 * share the connector's event loop. Started by startAttacker (driver.ts); one run, then exit.
 *
 * An open loop on raw sockets: every request is sent when it is due, on an idle keep-alive
 * connection or a new one, whatever the earlier ones are doing; each request's bytes are built
 * once (a number spliced into a serialized body) and written in one call. The attack's own CPU
 * would be on the attacker's machines, not on the 2 cores the service and the benign generator
 * share, so it is kept small: node:http requests built per send needed half a core for 300
 * requests a second and fell seconds behind their schedule (their traffic came in bursts), and
 * autocannon still needed a fifth of a core.
 */
import { connect, type Socket } from 'node:net';
import { createHistogram } from 'node:perf_hooks';
import { adversarialRequests, rowsOf, type AttackOrder, type KindResult, type RunResult } from './driver.js';

/** Sockets one kind may hold at once; past it a due request is counted as not sent. */
const MAX_SOCKETS_PER_KIND = 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

interface Pending {
  startedAt: number;
  kind: KindResult;
}

/** One connection, one request at a time; the answer's status is read from its head, its body skipped. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private bodyLeft = -1;
  private status = 0;
  private closeAfter = false;
  private pending: Pending | undefined;
  readonly socket: Socket;

  constructor(host: string, port: number, private readonly onIdle: (c: Connection) => void, private readonly onGone: (c: Connection) => void) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      // An answer read in full was recorded already; anything else is a network fault.
      if (this.pending !== undefined) this.pending.kind.errors += 1;
      this.pending = undefined;
      this.onGone(this);
    });
  }

  send(bytes: Buffer, kind: KindResult): void {
    this.pending = { startedAt: performance.now(), kind };
    this.buffered = Buffer.alloc(0);
    this.bodyLeft = -1;
    this.socket.write(bytes);
  }

  private read(chunk: Buffer): void {
    if (this.pending === undefined) return;
    if (this.bodyLeft < 0) {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      const end = this.buffered.indexOf(HEAD_END);
      if (end === -1) return;
      const head = this.buffered.subarray(0, end).toString('latin1');
      this.status = Number(head.slice(9, 12));
      this.bodyLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      this.closeAfter = /\r\nconnection:\s*close/i.test(head);
      chunk = this.buffered.subarray(end + HEAD_END.length);
    }
    this.bodyLeft -= chunk.length;
    if (this.bodyLeft > 0) return;
    const { startedAt, kind } = this.pending;
    this.pending = undefined;
    kind.count += 1;
    kind.latency.record(Math.max(1, Math.round((performance.now() - startedAt) * 1000)));
    kind.statuses.set(this.status, (kind.statuses.get(this.status) ?? 0) + 1);
    if (this.closeAfter) this.socket.destroy();
    else this.onIdle(this);
  }
}

async function attack(order: AttackOrder): Promise<RunResult> {
  const { hostname, port } = new URL(order.url);
  const kinds = adversarialRequests(order.fixtures, order.slowHost, order.bodyLimitBytes);
  const result: RunResult = { seconds: order.seconds, kinds: new Map() };
  const lanes = kinds.map((kind) => {
    const entry: KindResult = { count: 0, latency: createHistogram(), statuses: new Map(), errors: 0 };
    result.kinds.set(kind.kind, entry);
    const idle: Connection[] = [];
    const open = new Set<Connection>();
    const request = (n: number): Buffer => {
      const body = Buffer.from(kind.body(n));
      const head = `POST ${kind.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${Object.entries(kind.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${body.length}\r\n\r\n`;
      return Buffer.concat([Buffer.from(head, 'latin1'), body]);
    };
    const fixed = kind.body(0) === kind.body(1) ? request(0) : undefined;
    let n = 0;
    return {
      open,
      send(): void {
        let connection = idle.pop();
        if (connection === undefined) {
          if (open.size >= MAX_SOCKETS_PER_KIND) {
            entry.errors += 1;
            return;
          }
          connection = new Connection(hostname, Number(port), (c) => idle.push(c), (c) => {
            open.delete(c);
            const at = idle.indexOf(c);
            if (at !== -1) idle.splice(at, 1);
          });
          open.add(connection);
        }
        connection.send(fixed ?? request(n++), entry);
      },
    };
  });
  // Every kind at its share of the rate, each request when it is due.
  const perKind = order.perSecond / lanes.length;
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < order.seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * perKind);
    for (; sent < due; sent++) for (const lane of lanes) lane.send();
    // Every few milliseconds: the requests due are sent together, at no cost of a timer each.
    await new Promise((resolve) => setTimeout(resolve, 4));
  }
  // The answers still outstanding (a slow host holds its requests for seconds), then done.
  const deadline = performance.now() + 10_000;
  const answered = () => [...result.kinds.values()].reduce((a, k) => a + k.count + k.errors, 0);
  while (answered() < sent * lanes.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const lane of lanes) for (const c of lane.open) c.socket.destroy();
  return result;
}

process.once('message', (order: AttackOrder) => {
  const cpu = process.cpuUsage();
  void attack(order).then((run) => {
    const used = process.cpuUsage(cpu);
    process.send?.({ type: 'rows', rows: rowsOf('the adversarial share', order.server, run, undefined), cpuSeconds: (used.user + used.system) / 1e6 }, () => process.exit(0));
  });
});
process.send?.({ type: 'ready' });
