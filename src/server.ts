import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadSettings, SettingsError, type Settings } from './settings.js';

const SHUTDOWN_GRACE_MS = 10_000;
/** A stop signal repeated within this long is the first one passed on, not a request to stop at once. */
const REPEATED_SIGNAL_MS = 1_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Reads the environment, listens, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await buildApp(settings);

  // Stop accepting connections, let in-flight requests finish for up to 10 s, then close the connections of any
  // still running (a client that stalled mid-upload) and exit 0: a stalled client is not a failed shutdown.
  // close-with-grace's own limit, a few seconds later, is the last resort should closing itself hang (exit 1).
  let stopSignal: NodeJS.Signals | undefined;
  let closing = false;
  // The stop signals are handled below; close-with-grace handles the other signals and unexpected errors.
  const grace = closeWithGrace(
    { delay: SHUTDOWN_GRACE_MS + 5_000, logger: { error: (message: unknown) => app.log.error(message) }, skip: [...STOP_SIGNALS] },
    async ({ signal, err }) => {
      closing = true;
      if (err) app.log.error({ err }, 'Shutting down after an unexpected error');
      else app.log.info({ signal: signal ?? stopSignal }, 'Shutting down');
      const cutStalled = setTimeout(() => {
        app.log.warn(`Requests still running ${SHUTDOWN_GRACE_MS / 1000} s after the signal: closing their connections`);
        app.server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cutStalled);
      }
    },
  );

  // Under `npm start` the same signal comes twice: npm passes on to the server the SIGINT or SIGTERM it gets, and
  // a terminal's Ctrl+C, like systemd stopping a service, signals npm and the server alike. Taken for a second
  // request to stop, the copy would cut the requests in flight and exit 1. A signal after that second is one.
  // A shutdown close-with-grace began itself (an unexpected error, another signal) makes the first of these a second.
  let firstSignalAt: number | undefined;
  const onStopSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined && !closing) {
      firstSignalAt = performance.now();
      stopSignal = signal;
      void grace.close();
    } else if (firstSignalAt === undefined || performance.now() - firstSignalAt > REPEATED_SIGNAL_MS) {
      app.log.error(`Second ${signal} while shutting down: exiting at once`);
      process.exit(1);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);

  // After a power cut every device connects at once: with Node's default backlog (511) the kernel drops
  // connections beyond it, and each dropped device waits a 1 s SYN retransmit. The kernel caps this at somaxconn.
  // Ready first (the store's start-up scan, the directory), so that only listening's own errors are blamed on
  // HOST and PORT below.
  await app.ready();
  try {
    await app.listen({ port: settings.port, host: settings.host, backlog: 4096 });
  } catch (error) {
    // Name the settings to change: the system's message alone ("getaddrinfo ENOTFOUND x", "EADDRINUSE") does not.
    const address = settings.host.includes(':') ? `[${settings.host}]:${settings.port}` : `${settings.host}:${settings.port}`;
    throw new Error(`Cannot listen on ${address} (HOST, PORT): ${error instanceof Error ? error.message : String(error)}`);
  }
  app.log.info({ configsDir: settings.configsDir }, `Serving configs from ${settings.configsDir}; API docs at /api/docs`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
