/**
 * Overlay drawing on rgb24/rgba buffers: exact pixel checks, clipping at every edge, colours and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureText } from '../src/preprocess/font.ts';
import { asImage, drawBox, drawDetections, drawLabel, drawPolyline, drawText, fillRect, type OverlayImage, parseColor } from '../src/preprocess/overlay.ts';

function image(width: number, height: number, channels: 3 | 4 = 3, fill = 0): OverlayImage {
  return { data: new Uint8Array(width * height * channels).fill(fill), width, height, channels };
}

function pixel(img: OverlayImage, x: number, y: number): number[] {
  const at = (y * img.width + x) * img.channels;
  return [...img.data.subarray(at, at + img.channels)];
}

function countColored(img: OverlayImage, rgb: readonly number[], rect = { x: 0, y: 0, width: img.width, height: img.height }): number {
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const p = pixel(img, x, y);
      if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) n++;
    }
  }
  return n;
}

describe('colours', () => {
  it('parses #rrggbb, #rgb and [r,g,b]', () => {
    assert.deepEqual(parseColor('#ff8000'), [255, 128, 0]);
    assert.deepEqual(parseColor('#0F0'), [0, 255, 0]);
    assert.deepEqual(parseColor([1, 2, 3]), [1, 2, 3]);
  });
  it('rejects anything else with ERR_INVALID_OPTIONS', () => {
    for (const bad of ['red', '#12345', '#gggggg', [256, 0, 0], [1, 2], [0.5, 0, 0]] as const) {
      assert.throws(() => parseColor(bad as never), { code: 'ERR_INVALID_OPTIONS' });
    }
  });
});

describe('drawBox', () => {
  it('colours the border inside the rectangle and leaves the interior and outside alone', () => {
    const img = image(40, 30);
    drawBox(img, { x: 5, y: 4, width: 20, height: 15 }, { color: '#ff0000', thickness: 2 });
    for (const [x, y] of [[5, 4], [6, 5], [24, 4], [23, 18], [5, 18], [15, 4], [15, 5], [15, 17], [15, 18], [5, 10], [24, 10]]) {
      assert.deepEqual(pixel(img, x as number, y as number), [255, 0, 0], `border ${x},${y}`);
    }
    for (const [x, y] of [[7, 6], [15, 10], [22, 16], [4, 4], [25, 4], [5, 3], [5, 19]]) {
      assert.deepEqual(pixel(img, x as number, y as number), [0, 0, 0], `not border ${x},${y}`);
    }
    // Perimeter of a 20x15 box with a 2-pixel border: 20*15 - 16*11.
    assert.equal(countColored(img, [255, 0, 0]), 20 * 15 - 16 * 11);
  });
  it('sets alpha to 255 on rgba images', () => {
    const img = image(10, 10, 4);
    drawBox(img, { x: 0, y: 0, width: 10, height: 10 }, { color: [10, 20, 30], thickness: 1 });
    assert.deepEqual(pixel(img, 0, 0), [10, 20, 30, 255]);
    assert.deepEqual(pixel(img, 5, 5), [0, 0, 0, 0]);
  });
  it('clips boxes partly or wholly outside the image without throwing', () => {
    const img = image(16, 12);
    const before = img.data.length;
    drawBox(img, { x: -5, y: -5, width: 10, height: 10 }, { color: '#00ff00', thickness: 3 });
    drawBox(img, { x: 10, y: 8, width: 50, height: 50 }, { color: '#00ff00', thickness: 3 });
    drawBox(img, { x: 100, y: 100, width: 5, height: 5 });
    drawBox(img, { x: -100, y: -100, width: 5, height: 5 });
    assert.equal(img.data.length, before);
    assert.deepEqual(pixel(img, 4, 0), [0, 255, 0]);
    assert.deepEqual(pixel(img, 10, 8), [0, 255, 0]);
    assert.deepEqual(pixel(img, 15, 11), [0, 0, 0], 'the far box edges are outside the image');
  });
  it('rejects an image whose buffer is too small', () => {
    assert.throws(() => drawBox({ data: new Uint8Array(10), width: 10, height: 10, channels: 3 }, { x: 0, y: 0, width: 2, height: 2 }), { code: 'ERR_INVALID_OPTIONS' });
  });
});

describe('fillRect and drawPolyline', () => {
  it('fills exactly the clipped rectangle', () => {
    const img = image(10, 10);
    fillRect(img, { x: 7, y: -2, width: 10, height: 5 }, '#0000ff');
    assert.equal(countColored(img, [0, 0, 255]), 3 * 3);
  });
  it('draws 1-pixel Bresenham lines through their end points', () => {
    const img = image(20, 20);
    drawPolyline(img, [[0, 0], [19, 19]], { color: '#ffffff', thickness: 1 });
    for (let i = 0; i < 20; i++) assert.deepEqual(pixel(img, i, i), [255, 255, 255]);
    assert.equal(countColored(img, [255, 255, 255]), 20);
  });
  it('draws thick and closed polylines, clipped', () => {
    const img = image(30, 30);
    drawPolyline(img, [{ x: 5, y: 5 }, { x: 25, y: 5 }, { x: 25, y: 25 }], { color: '#ffff00', thickness: 3, closed: true });
    assert.deepEqual(pixel(img, 15, 4), [255, 255, 0]);
    assert.deepEqual(pixel(img, 15, 6), [255, 255, 0]);
    assert.deepEqual(pixel(img, 15, 15), [255, 255, 0], 'the closing diagonal');
    assert.deepEqual(pixel(img, 10, 20), [0, 0, 0]);
    assert.doesNotThrow(() => drawPolyline(img, [[-50, -50], [80, 90], [-10, 40]], { thickness: 5, closed: true }));
  });
});

describe('drawText', () => {
  it('renders glyph pixels inside its bounds and nothing outside', () => {
    const img = image(80, 30);
    const bounds = drawText(img, 'Hi 42', { x: 3, y: 4, color: '#ffffff', scale: 2 });
    const size = measureText('Hi 42', 2);
    assert.deepEqual(bounds, { x: 3, y: 4, width: size.width, height: size.height });
    const inside = countColored(img, [255, 255, 255], bounds);
    assert.ok(inside > 40, `${inside} glyph pixels`);
    assert.equal(countColored(img, [255, 255, 255]), inside, 'no ink outside the bounds');
    // The stem of H: font column 0, all rows, is inked at scale 2.
    assert.deepEqual(pixel(img, 3, 4), [255, 255, 255]);
    assert.deepEqual(pixel(img, 4, 17), [255, 255, 255]);
  });
  it('fills a background behind the text', () => {
    const img = image(60, 20);
    const bounds = drawText(img, 'ok', { x: 5, y: 5, color: '#000000', background: '#00ff00', padding: 2 });
    assert.deepEqual(bounds, { x: 3, y: 3, width: measureText('ok').width + 4, height: 7 + 4 });
    assert.deepEqual(pixel(img, 3, 3), [0, 255, 0]);
    assert.ok(countColored(img, [0, 255, 0]) < bounds.width * bounds.height, 'text pixels are drawn over the background');
  });
  it('clips text running off any edge and renders unknown characters as ?', () => {
    const img = image(20, 10);
    assert.doesNotThrow(() => drawText(img, 'a long line of text', { x: -7, y: -3, scale: 3 }));
    assert.doesNotThrow(() => drawText(img, 'é✓', { x: 15, y: 8 }));
    assert.ok(countColored(img, [255, 255, 255]) > 0);
  });
});

describe('drawLabel and drawDetections', () => {
  it('puts the label bar above the box, or inside it at the top edge', () => {
    const img = image(100, 80);
    const bar = drawLabel(img, { x: 20, y: 30, width: 40, height: 30 }, 'cat', { color: '#ff0000' });
    assert.equal(bar.y + bar.height, 30);
    assert.deepEqual(pixel(img, bar.x, bar.y), [255, 0, 0]);
    const inside = drawLabel(img, { x: 60, y: 0, width: 30, height: 30 }, 'dog', { color: '#0000ff' });
    assert.equal(inside.y, 0);
    // White text on red: the contrasting colour.
    assert.ok(countColored(img, [255, 255, 255], bar) > 0);
  });
  it('draws every detection with a label colour that is stable per label', () => {
    const a = image(120, 90);
    const b = image(120, 90);
    const detections = [
      { box: { x: 10, y: 20, width: 30, height: 40 }, label: 'person', score: 0.912 },
      { box: { x: 60, y: 30, width: 40, height: 40 } },
    ];
    drawDetections(a, detections);
    drawDetections(b, detections);
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(pixel(a, 10, 59), [0, 0, 0]);
    assert.notDeepEqual(pixel(a, 60, 30), [0, 0, 0]);
  });
  it('views framepipe frames as images and refuses float or chw frames', () => {
    const frame = { data: new Uint8Array(4 * 3 * 3), width: 4, height: 3, format: 'rgb24', layout: 'hwc' } as const;
    const img = asImage(frame);
    fillRect(img, { x: 0, y: 0, width: 1, height: 1 }, '#010203');
    assert.deepEqual([...frame.data.subarray(0, 3)], [1, 2, 3]);
    assert.throws(() => asImage({ ...frame, layout: 'chw' }), { code: 'ERR_INVALID_OPTIONS' });
    assert.throws(() => asImage({ ...frame, data: new Float32Array(36) }), { code: 'ERR_INVALID_OPTIONS' });
    assert.throws(() => asImage({ ...frame, format: 'gray' }), { code: 'ERR_INVALID_OPTIONS' });
  });
});
