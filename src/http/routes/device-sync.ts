import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../schemas/errors.js';

/** What the fetch records tell beyond each config's `fetch` member. */
const deviceSyncRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/devices/unknown',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['configs'],
        operationId: 'listUnknownDevices',
        summary: 'Devices that asked for a config they do not have',
        description:
          'MACs whose last fetch of `/api/configs/<mac>.json` or `/esp32/config/<mac>.json` got 404 and that still have no config, latest first, over every replica. Create a config with PUT /api/configs/:mac_address.',
        response: { 200: { $ref: 'UnknownDevicesResponse' }, ...errorResponses(503, 500) },
      },
    },
    async () => app.deviceSync.unknownDevices(await app.configStore.list()),
  );
};

export default deviceSyncRoutes;
