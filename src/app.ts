import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import actor from './http/plugins/actor.js';
import auth from './http/plugins/auth.js';
import compression from './http/plugins/compression.js';
import configStore from './http/plugins/config-store.js';
import cors from './http/plugins/cors.js';
import deviceStatus from './http/plugins/device-status.js';
import deviceSync from './http/plugins/device-sync.js';
import errorHandler from './http/plugins/error-handler.js';
import fleetFacts from './http/plugins/fleet-facts.js';
import metrics from './http/plugins/metrics.js';
import mqtt from './http/plugins/mqtt.js';
import openapi from './http/plugins/openapi.js';
import rateLimit from './http/plugins/rate-limit.js';
import schemaValidation from './http/plugins/schema-validation.js';
import requestBody from './http/plugins/request-body.js';
import requestContext from './http/plugins/request-context.js';
import security from './http/plugins/security.js';
import ui from './http/plugins/ui.js';
import assetRoutes from './http/routes/assets.js';
import configRoutes from './http/routes/configs.js';
import deviceConfigRoutes from './http/routes/device-configs.js';
import deviceSyncRoutes from './http/routes/device-sync.js';
import fleetRoutes from './http/routes/fleet.js';
import healthRoutes from './http/routes/health.js';
import historyRoutes from './http/routes/history.js';
import imageRoutes from './http/routes/images.js';
import schemaRoutes from './http/routes/schemas.js';
import transferRoutes from './http/routes/transfer.js';
import { serverOptions } from './http/server-options.js';
import { VERSION } from './package-info.js';
import type { Settings } from './settings.js';

export { serverOptions };

/**
 * Builds the whole app. It never listens: `server.ts` does, and tests use `inject`. Each plugin names the
 * plugins it needs in its `dependencies`; routes come after every plugin whose hooks must see them added.
 */
export async function buildApp(settings: Settings): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(settings)).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(requestContext);
  await app.register(security);
  await app.register(errorHandler);
  await app.register(compression);
  await app.register(requestBody);
  await app.register(cors, { settings });
  await app.register(rateLimit, { settings });
  await app.register(auth, { settings });
  await app.register(actor, { settings });
  await app.register(configStore, { settings });
  await app.register(openapi, { version: VERSION });
  await app.register(metrics);
  await app.register(mqtt, { settings });
  await app.register(deviceSync, { settings });
  await app.register(deviceStatus, { settings });
  await app.register(schemaValidation);
  await app.register(fleetFacts, { settings });

  await app.register(healthRoutes);
  await app.register(fleetRoutes);
  await app.register(configRoutes);
  await app.register(historyRoutes);
  await app.register(transferRoutes, { settings });
  await app.register(schemaRoutes);
  await app.register(deviceConfigRoutes);
  await app.register(deviceSyncRoutes);
  await app.register(assetRoutes, { settings });
  await app.register(imageRoutes, { settings });
  await app.register(ui);
  return app;
}
