/**
 * LVGL v9's binary image format (`.bin`), in colour format ARGB8888, exactly as LVGL's `scripts/LVGLImage.py`
 * writes it with its defaults (`--cf ARGB8888 --compress NONE --align 1`, no `--premultiply`), which is what the
 * old backend sent devices:
 *
 * - a 12-byte header, little-endian: magic `0x19` (u8), colour format `0x10` (u8), flags `0` (u16: not
 *   compressed, not premultiplied), width (u16), height (u16), stride (u16: bytes per row), reserved `0` (u16);
 * - then the rows, top first, each `stride` bytes with no padding (stride alignment 1, so `stride = 4 × width`);
 *   a pixel is the u32 `A<<24 | R<<16 | G<<8 | B` little-endian, that is bytes B, G, R, A, with straight
 *   (not premultiplied) alpha.
 */

export const LVGL_IMAGE_MAGIC = 0x19;
export const LVGL_CF_ARGB8888 = 0x10;
export const LVGL_HEADER_BYTES = 12;
const BYTES_PER_PIXEL = 4;
const U16_MAX = 0xffff;

/** The widest ARGB8888 image whose stride still fits the header's 16-bit field. */
export const LVGL_MAX_ARGB8888_WIDTH = Math.floor(U16_MAX / BYTES_PER_PIXEL);
export const LVGL_MAX_HEIGHT = U16_MAX;

/**
 * Encodes `rgba` (rows top first, 4 bytes per pixel in the order R, G, B, A, straight alpha) as an LVGL ARGB8888
 * binary image. Throws a RangeError for sizes the format cannot state (zero, a stride over 16 bits, a height over
 * 16 bits) or a buffer of the wrong length.
 */
export function encodeLvglArgb8888(rgba: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`An LVGL image needs a whole positive width and height, got ${width}×${height}`);
  }
  if (width > LVGL_MAX_ARGB8888_WIDTH || height > LVGL_MAX_HEIGHT) {
    throw new RangeError(`An ARGB8888 LVGL image is at most ${LVGL_MAX_ARGB8888_WIDTH}×${LVGL_MAX_HEIGHT} pixels, got ${width}×${height}`);
  }
  const stride = width * BYTES_PER_PIXEL;
  if (rgba.length !== stride * height) {
    throw new RangeError(`Expected ${stride * height} bytes of RGBA pixels for ${width}×${height}, got ${rgba.length}`);
  }
  const out = Buffer.alloc(LVGL_HEADER_BYTES + rgba.length);
  out.writeUInt8(LVGL_IMAGE_MAGIC, 0);
  out.writeUInt8(LVGL_CF_ARGB8888, 1);
  out.writeUInt16LE(0, 2);
  out.writeUInt16LE(width, 4);
  out.writeUInt16LE(height, 6);
  out.writeUInt16LE(stride, 8);
  out.writeUInt16LE(0, 10);
  for (let i = 0, o = LVGL_HEADER_BYTES; i < rgba.length; i += 4, o += 4) {
    out[o] = rgba[i + 2]!;
    out[o + 1] = rgba[i + 1]!;
    out[o + 2] = rgba[i]!;
    out[o + 3] = rgba[i + 3]!;
  }
  return out;
}

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * The size an image of `original` size is shrunk to so it fits within `box` (either side may be absent: no
 * bound), keeping its aspect ratio and never enlarging it; `original` itself when no shrinking is needed. The old
 * backend's rule, with its rounding down, so devices get the sizes they always got: the limiting side is
 * taken first (the width for a landscape image), the other side follows rounded down, and the other bound is
 * then applied the same way. A side is never rounded down to 0.
 */
export function fitWithin(original: ImageSize, box: { width?: number; height?: number }): ImageSize {
  const { width: ow, height: oh } = original;
  // Exact integer arithmetic instead of the old float aspect ratio, which could land a hair below a whole number.
  const heightFor = (w: number) => Math.max(1, Math.floor((w * oh) / ow));
  const widthFor = (h: number) => Math.max(1, Math.floor((h * ow) / oh));
  let width: number;
  let height: number;
  if (box.width !== undefined && box.height !== undefined) {
    if (ow > oh) {
      width = Math.min(box.width, ow);
      height = heightFor(width);
      if (height > box.height) {
        height = Math.min(box.height, oh);
        width = widthFor(height);
      }
    } else {
      height = Math.min(box.height, oh);
      width = widthFor(height);
      if (width > box.width) {
        width = Math.min(box.width, ow);
        height = heightFor(width);
      }
    }
  } else if (box.width !== undefined) {
    width = Math.min(box.width, ow);
    height = heightFor(width);
  } else if (box.height !== undefined) {
    height = Math.min(box.height, oh);
    width = widthFor(height);
  } else {
    return { width: ow, height: oh };
  }
  if (width >= ow && height >= oh) return { width: ow, height: oh };
  return { width, height };
}
