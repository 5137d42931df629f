import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadSettings, SettingsError, type Settings } from './config.js';

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

  // Stop accepting connections, let in-flight requests finish for up to 10 s, then exit.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'Shutting down after an unexpected error');
    else app.log.info({ signal }, 'Shutting down');
    await app.close();
  });

  // After a power cut every device connects at once: with Node's default backlog (511) the kernel drops
  // connections beyond it, and each dropped device waits a 1 s SYN retransmit. The kernel caps this at somaxconn.
  await app.listen({ port: settings.port, host: settings.host, backlog: 4096 });
  app.log.info({ configsDir: settings.configsDir }, `Serving configs from ${settings.configsDir}; API docs at /api/docs`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
