import type { default as Sharp, Metadata, OutputInfo } from 'sharp';
import { UpstreamFailed } from '../domain/errors.js';
import { encodeLvglArgb8888, fitWithin, LVGL_MAX_ARGB8888_WIDTH, LVGL_MAX_HEIGHT } from '../domain/lvgl-image.js';

/**
 * The most pixels an image may have to be decoded: the size past which Pillow, which the old backend decoded
 * with, refuses an image as a decompression bomb.
 */
export const MAX_INPUT_PIXELS = 178_956_970;

/** sharp, loaded on first use: libvips costs memory and start-up time that a service without image requests need not pay. */
let sharpModule: Promise<typeof Sharp> | undefined;
const loadSharp = () => (sharpModule ??= import('sharp').then((module) => module.default));

/**
 * Raster formats only: an SVG could name other files to draw, and the old backend's Pillow decoded no SVG.
 * `heif` covers AVIF.
 */
const DECODED_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp', 'tiff', 'heif']);

/** Thrown by sharp for anything it cannot read: the upstream body is not an image it knows. */
function undecodable(error: unknown): UpstreamFailed {
  return new UpstreamFailed('undecodable', 'The fetched body is not an image that can be decoded (PNG, JPEG, GIF, WebP, TIFF or AVIF)', {}, { cause: error });
}

/**
 * Decodes `image`, shrinks it to fit `box` (see {@link fitWithin}) with a Lanczos filter and encodes it as an
 * LVGL ARGB8888 binary image. The first frame of an animation is taken; EXIF orientation is not applied, as the
 * old backend did not apply it.
 */
export async function convertToLvgl(image: Buffer, box: { width?: number; height?: number }): Promise<Buffer> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(image).metadata();
  } catch (error) {
    throw undecodable(error);
  }
  const { width, height, format } = metadata;
  if (!width || !height || !DECODED_FORMATS.has(format)) throw undecodable(new Error(`format ${format}`));
  if (width * height > MAX_INPUT_PIXELS) {
    throw new UpstreamFailed('too_large', `The image is ${width}×${height} pixels, over the ${MAX_INPUT_PIXELS} that are decoded`, { limit_pixels: MAX_INPUT_PIXELS });
  }
  const target = fitWithin({ width, height }, box);
  if (target.width > LVGL_MAX_ARGB8888_WIDTH || target.height > LVGL_MAX_HEIGHT) {
    throw new UpstreamFailed(
      'too_big_for_lvgl',
      `The image is ${target.width}×${target.height} pixels; an ARGB8888 LVGL image is at most ${LVGL_MAX_ARGB8888_WIDTH}×${LVGL_MAX_HEIGHT}: ask for a smaller width or height`,
    );
  }
  let pipeline = sharp(image, { limitInputPixels: MAX_INPUT_PIXELS }).toColourspace('srgb').ensureAlpha();
  if (target.width !== width || target.height !== height) {
    // The size is already the aspect-kept one: `fill` makes sharp use it as is instead of rounding its own.
    pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw undecodable(error);
  }
  return encodeLvglArgb8888(raw.data, raw.info.width, raw.info.height);
}
