import { describe, expect, it } from 'vitest';
import { parseHostAllowList } from '../../src/domain/host-allow-list.js';
import { encodeLvglArgb8888, fitWithin } from '../../src/domain/lvgl-image.js';

describe('encodeLvglArgb8888', () => {
  it('writes the header and B, G, R, A rows of LVGLImage.py', () => {
    const rgba = Buffer.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 16, 32, 48, 128]);
    expect(encodeLvglArgb8888(rgba, 2, 2).toString('hex')).toBe('191000000200020008000000' + '0000ffff00ff00ff' + 'ff0000ff30201080');
  });

  it('pads no row of an odd width, as LVGLImage.py with its default alignment of 1', () => {
    // The whole file LVGLImage.py (`--cf ARGB8888`) wrote for a 5×3 PNG of (250, 7, 99) at alpha 77.
    const expected = '191000000500030014000000' + '6307fa4d'.repeat(15);
    const rgba = Buffer.from(Array.from({ length: 15 }, () => [250, 7, 99, 77]).flat());
    expect(encodeLvglArgb8888(rgba, 5, 3).toString('hex')).toBe(expected);
  });

  it('refuses sizes its 16-bit header fields cannot state, and a buffer of the wrong length', () => {
    expect(() => encodeLvglArgb8888(Buffer.alloc(0), 0, 1)).toThrow(RangeError);
    expect(() => encodeLvglArgb8888(Buffer.alloc(16384 * 4), 16384, 1)).toThrow(/at most 16383/);
    expect(() => encodeLvglArgb8888(Buffer.alloc(65536 * 4), 1, 65536)).toThrow(/at most/);
    expect(() => encodeLvglArgb8888(Buffer.alloc(15), 2, 2)).toThrow(/Expected 16 bytes/);
    expect(encodeLvglArgb8888(Buffer.alloc(16383 * 4), 16383, 1).readUInt16LE(8)).toBe(65532);
  });
});

describe('fitWithin', () => {
  const size = (width: number, height: number) => ({ width, height });

  it('fits within the box keeping the aspect ratio, rounding down as the old backend did', () => {
    expect(fitWithin(size(400, 300), { width: 100, height: 100 })).toEqual(size(100, 75));
    expect(fitWithin(size(300, 400), { width: 100, height: 100 })).toEqual(size(75, 100));
    expect(fitWithin(size(400, 300), { width: 100, height: 50 })).toEqual(size(66, 50));
    expect(fitWithin(size(300, 400), { width: 50, height: 100 })).toEqual(size(50, 66));
    expect(fitWithin(size(400, 300), { width: 100 })).toEqual(size(100, 75));
    expect(fitWithin(size(400, 300), { height: 100 })).toEqual(size(133, 100));
    expect(fitWithin(size(333, 100), { width: 100 })).toEqual(size(100, 30));
  });

  it('never enlarges, and never rounds a side down to nothing', () => {
    expect(fitWithin(size(50, 40), { width: 200, height: 200 })).toEqual(size(50, 40));
    expect(fitWithin(size(50, 40), { width: 200 })).toEqual(size(50, 40));
    expect(fitWithin(size(50, 40), {})).toEqual(size(50, 40));
    expect(fitWithin(size(1000, 1), { width: 10 })).toEqual(size(10, 1));
  });
});

describe('parseHostAllowList', () => {
  it('matches names without regard to case, and addresses by range', () => {
    const list = parseHostAllowList(' Images.Example.org, 10.0.0.0/8 ,192.168.1.7, fd00::/8');
    expect(list.allowsName('images.example.org')).toBe(true);
    expect(list.allowsName('IMAGES.example.org.')).toBe(true);
    expect(list.allowsName('other.example.org')).toBe(false);
    expect(list.allowsName('10.0.0.1')).toBe(false);
    expect(list.allowsAddress('10.200.3.4')).toBe(true);
    expect(list.allowsAddress('192.168.1.7')).toBe(true);
    expect(list.allowsAddress('192.168.1.8')).toBe(false);
    expect(list.allowsAddress('fd12::1')).toBe(true);
    expect(list.allowsAddress('::1')).toBe(false);
    expect(list.hasRanges).toBe(true);
    expect(parseHostAllowList('example.org').hasRanges).toBe(false);
  });

  it('names the bad entry', () => {
    expect(() => parseHostAllowList('example.org,10.0.0.0/33')).toThrow('"10.0.0.0/33" has no valid prefix length (0 to 32)');
    expect(() => parseHostAllowList('exa mple.org')).toThrow('"exa mple.org" is not a host name');
    expect(() => parseHostAllowList('example.org/8')).toThrow('is not a host name');
    expect(() => parseHostAllowList(' , ')).toThrow('lists no host');
  });
});
