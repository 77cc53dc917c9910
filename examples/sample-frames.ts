/**
 * Opens the bundled sample, prints what is known about it, then reads one frame per second as 224×224
 * RGB tensors in batches and prints the sampling manifest.
 *
 * Run: node examples/sample-frames.ts [path-or-url]
 */
import { openVideo } from '../src/index.ts';

const source = process.argv[2] ?? new URL('./media/sample.mp4', import.meta.url).pathname;
await using video = await openVideo(source, {
  sampling: { fps: 1 },
  output: { width: 224, height: 224, fit: 'cover', layout: 'chw', dtype: 'float32', mean: [0.481, 0.458, 0.408], std: [0.269, 0.261, 0.276] },
  onWarning: (w) => console.warn(`warning ${w.code}: ${w.message}`),
});
const { width, height, fps, durationSeconds, frameCount } = video.info;
console.log(`${source}: ${width}x${height}, ${fps} fps, ${durationSeconds}s, ${frameCount} frames`);
for await (const batch of video.batches(4)) {
  console.log(`batch ${JSON.stringify(batch.shape)}: frames ${batch.frames.map((f) => `#${f.index}@${f.ptsSeconds.toFixed(3)}s`).join(', ')}`);
}
console.log('manifest:', JSON.stringify(video.manifest?.entries.map((e) => [e.target, e.status, e.frameIndex])));
