/**
 * `builtin:phash`: the DCT perceptual hash (as in Python's `imagehash.phash`): near-duplicate frames have
 * hashes a few bits apart, unrelated frames about 32 bits apart.
 */
import { FramepipeError } from '../../core/errors.ts';
import type { Model } from '../types.ts';
import { type BuiltinInput, checkBatch, readNumberOptions } from './common.ts';

/** Side of the grey image the DCT runs on. */
const SIDE = 32;
/** Side of the low-frequency block kept: 8 × 8 = 64 bits. */
const KEEP = 8;

/**
 * One frame's perceptual hash.
 *
 * @example
 * ```ts
 * const [{ hash }] = await phashModel().run(batch); // e.g. 'c3a5e1f00f1e5a3c'
 * ```
 */
export interface PerceptualHash {
  /** The 64 bits as 16 lowercase hex characters, first bit = most significant bit of the first character. */
  hash: string;
  /**
   * The same 64 bits as 0/1 values, in the same order. Squared L2 distance between two of these equals their
   * Hamming distance, so a vector store's L2 search finds the nearest hashes.
   */
  embedding: Float32Array;
}

/** cos(π (2x + 1) u / 64) for u < 8, x < 32: the DCT-II basis rows the hash needs, row-major by u. */
const BASIS = Float64Array.from({ length: KEEP * SIDE }, (_, k) =>
  Math.cos((Math.PI * (2 * (k % SIDE) + 1) * Math.floor(k / SIDE)) / (2 * SIDE)),
);

/**
 * A perceptual hash model on 32 × 32 grey frames (stretched, as pHash does): a 2-D DCT-II, the top-left 8 × 8
 * coefficients (the DC term included, as imagehash does), and one bit per coefficient, set when it is above
 * the median of the 64. Bits are row-major (vertical frequency, then horizontal). Because FFmpeg resizes a
 * little differently from PIL, hashes may differ from imagehash's in a few bits. No options.
 *
 * @example
 * ```ts
 * const [a, b] = await phashModel().run(batch);
 * if (hammingDistance(a, b) <= 10) console.log('near-duplicates');
 * ```
 */
export function phashModel(options?: Record<string, never>): Model<PerceptualHash> {
  readNumberOptions('builtin:phash', options, {});
  const id = 'builtin:phash';
  const input: BuiltinInput = { width: SIDE, height: SIDE, fit: 'fill', pixelFormat: 'gray', layout: 'hwc', dtype: 'uint8' };
  const rows = new Float64Array(SIDE * KEEP);
  const coefficients = new Float64Array(KEEP * KEEP);
  const sorted = new Float64Array(KEEP * KEEP);
  return {
    id,
    input,
    async run(batch, signal) {
      const { data, frameElements } = checkBatch(id, input, batch, signal);
      return batch.frames.map((_, i) => {
        lowFrequencyDct(data, i * frameElements, rows, coefficients);
        return hashOf(coefficients, sorted);
      });
    },
  };
}

/** The top-left 8 × 8 of the (unnormalised) 2-D DCT-II of a 32 × 32 grey image, row-major in `out`. */
function lowFrequencyDct(pixels: Uint8Array, offset: number, rows: Float64Array, out: Float64Array): void {
  // First along each row (x → v), keeping 8 frequencies, then down each kept column (y → u).
  for (let y = 0; y < SIDE; y++) {
    const row = offset + y * SIDE;
    for (let v = 0; v < KEEP; v++) {
      let sum = 0;
      for (let x = 0, b = v * SIDE; x < SIDE; x++, b++) sum += (pixels[row + x] as number) * (BASIS[b] as number);
      rows[y * KEEP + v] = sum;
    }
  }
  for (let u = 0; u < KEEP; u++) {
    for (let v = 0; v < KEEP; v++) {
      let sum = 0;
      for (let y = 0, b = u * SIDE; y < SIDE; y++, b++) sum += (rows[y * KEEP + v] as number) * (BASIS[b] as number);
      out[u * KEEP + v] = sum;
    }
  }
}

function hashOf(coefficients: Float64Array, sorted: Float64Array): PerceptualHash {
  sorted.set(coefficients);
  sorted.sort();
  const n = coefficients.length;
  const median = ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  const embedding = new Float32Array(n);
  let hash = '';
  for (let nibble = 0; nibble < n; nibble += 4) {
    let value = 0;
    for (let k = nibble; k < nibble + 4; k++) {
      const bit = (coefficients[k] as number) > median ? 1 : 0;
      embedding[k] = bit;
      value = (value << 1) | bit;
    }
    hash += HEX[value];
  }
  return { hash, embedding };
}

const HEX = '0123456789abcdef';
/** Set bits in each 4-bit value. */
const POPCOUNT4 = Uint8Array.from({ length: 16 }, (_, v) => (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + (v >> 3));

/**
 * Number of differing bits between two hashes: hex strings of equal length (any case), or
 * {@link PerceptualHash} results. Throws ERR_INVALID_OPTIONS for a non-hex string or unequal lengths.
 *
 * @example
 * ```ts
 * hammingDistance('ff00000000000000', '0f00000000000001'); // 5
 * hammingDistance(first, second);                          // two phash outputs
 * ```
 */
export function hammingDistance(a: string | PerceptualHash, b: string | PerceptualHash): number {
  const x = hexOf(a, 'a');
  const y = hexOf(b, 'b');
  if (x.length !== y.length) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `hammingDistance needs hashes of equal length, got ${x.length} and ${y.length} hex characters.`,
      {
        details: { option: 'b', lengths: [x.length, y.length] },
      },
    );
  }
  let distance = 0;
  for (let i = 0; i < x.length; i++) distance += POPCOUNT4[parseInt(x[i] as string, 16) ^ parseInt(y[i] as string, 16)] as number;
  return distance;
}

function hexOf(value: string | PerceptualHash, name: string): string {
  const hex = typeof value === 'string' ? value : value?.hash;
  if (typeof hex !== 'string' || !/^[0-9a-f]*$/i.test(hex)) {
    const shown = typeof hex === 'string' ? JSON.stringify(hex) : String(hex);
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `hammingDistance argument "${name}" must be a hex hash string or a phash output, got ${shown}.`,
      {
        details: { option: name },
      },
    );
  }
  return hex;
}
