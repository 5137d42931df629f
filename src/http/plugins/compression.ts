import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Compresses answers over 1 KiB, brotli or gzip, when the client asks
 * (Accept-Encoding). Routes that opt out say `compress: false`: the device
 * fetch, whose clients (ESP32 firmware) need its exact bytes and length.
 * Request bodies are never decompressed: a compressed body would dodge the
 * body size limit until inflated.
 */
export default fp(
  async function compression(app: FastifyInstance) {
    await app.register(compress, { global: true, globalDecompression: false, threshold: 1024, encodings: ['br', 'gzip'] });
  },
  { name: 'compression' },
);
