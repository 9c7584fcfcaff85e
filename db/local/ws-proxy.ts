/**
 * WebSocket → TCP proxy so the `@neondatabase/serverless` driver, running inside workerd, reaches a
 * local Postgres exactly as it reaches Neon in production. The driver names its target in
 * `?address=host:port` (see `neonConfig.wsProxy` in db/tenant.ts). Only loopback targets are allowed:
 * this is a development and test tool, never an open relay.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

/** Postgres frontend Terminate message: 'X' followed by the length 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

export interface WsProxy {
  /** `host:port` of the proxy, the value for `DB_WS_PROXY`. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startWsProxy(port = 0): Promise<WsProxy> {
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => server.once('listening', resolve));

  server.on('connection', (socket, request) => {
    const target = new URL(request.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const [host, portText] = target.split(':');
    if (!host || !['127.0.0.1', 'localhost', '::1'].includes(host) || !portText) {
      socket.close(1008, 'only loopback targets are allowed');
      return;
    }
    const tcp = connect({ host, port: Number(portText) });
    tcp.setNoDelay(true);
    const pending: Buffer[] = [];
    tcp.once('connect', () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    socket.on('message', (data: Buffer) => {
      if (tcp.connecting) pending.push(data);
      else tcp.write(data);
      // pglite-socket keeps the TCP side open after Terminate, which would hang client.end().
      if (data.length >= 5 && data.subarray(data.length - 5).equals(TERMINATE)) tcp.end();
    });
    tcp.on('data', (chunk) => socket.send(chunk));
    tcp.on('close', () => socket.close());
    tcp.on('error', () => socket.close());
    socket.on('close', () => tcp.destroy());
    socket.on('error', () => tcp.destroy());
  });

  const { port: boundPort } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
