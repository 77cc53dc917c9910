/**
 * Hugging Face models: CLIP image and text encoders and image classifiers, from a hub id or a local
 * directory in the transformers.js layout. See docs/models.md.
 *
 * @example
 * ```ts
 * import { createClipImageModel, createClipTextEncoder } from './models/hf/index.ts';
 * const image = await createClipImageModel({ model: 'Xenova/clip-vit-base-patch32', cacheDir: './models' });
 * const text = await createClipTextEncoder({ model: 'Xenova/clip-vit-base-patch32', cacheDir: './models' });
 * ```
 */
export {
  createImageClassifier,
  type ImageClassifier,
  type ImageClassifierOptions,
  labelsOf,
  type LabelScore,
  topKLabels,
} from './classifier.ts';
export { type ClipImageModel, type ClipImageModelOptions, createClipImageModel, l2Normalize } from './clip-image.ts';
export { type ClipTextEncoder, type ClipTextEncoderOptions, createClipTextEncoder } from './clip-text.ts';
export type { HubOptions } from './hub.ts';
export type { HfImageModelOptions, HfModelOptions } from './options.ts';
export { inputFromPreprocessorConfig, type PreprocessorConfig } from './preprocessor.ts';
