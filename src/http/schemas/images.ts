import { Type } from 'typebox';

// Query strings are not coerced (see server-options.ts): sizes are given as patterns.
const SIZE = '^[1-9][0-9]{0,8}$';

export const LvglImageQuerySchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 8192, description: 'The image to fetch: an absolute http or https URL (PNG, JPEG, GIF, WebP, TIFF or AVIF)' }),
    headers: Type.Optional(
      Type.String({ maxLength: 1024, description: 'Comma-separated names of request headers to send on with the fetch, e.g. `Authorization,X-Api-Key`; each must be present in this request' }),
    ),
    width: Type.Optional(Type.String({ pattern: SIZE, description: 'Most pixels wide: the image is shrunk to fit, keeping its aspect ratio, never enlarged' })),
    height: Type.Optional(Type.String({ pattern: SIZE, description: 'Most pixels high: the image is shrunk to fit, keeping its aspect ratio, never enlarged' })),
  },
);

/** The image's bytes, not JSON: sent as they are, never serialised. */
export const LvglImageResponseSchema = Type.Unsafe<Buffer>({
  type: 'string',
  format: 'binary',
  description: 'An LVGL v9 `.bin` image, colour format ARGB8888: a 12-byte header, then B, G, R, A per pixel, rows top first',
});
