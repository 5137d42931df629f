import net from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for a server the tests, the
 * reliability suite or the benchmark start. No Vitest in here: the suite
 * and the benchmark run outside it.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
