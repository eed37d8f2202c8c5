/** The sink's HTTP or HTTPS server, listening. */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SinkOptions } from './types.js';

export type SinkServer = http.Server | https.Server;

/** `hostPort` is how a client on this machine reaches the server, for its URL. */
export async function listen(
  options: Pick<SinkOptions, 'host' | 'port' | 'tls'>,
  listener: http.RequestListener,
): Promise<{ server: SinkServer; hostPort: string }> {
  const { tls } = options;
  const server = tls
    ? https.createServer(
        {
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.requestCert ?? false,
          // Asked for, not required: a call without an acceptable certificate is answered 403, not dropped.
          rejectUnauthorized: false,
        },
        listener,
      )
    : http.createServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return { server, hostPort: `${shown}:${port}` };
}

/** Stops listening and ends every connection, idle or not. */
export async function closeServer(server: SinkServer): Promise<void> {
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await done;
}
