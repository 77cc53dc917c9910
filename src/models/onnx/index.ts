/**
 * ONNX Runtime models: {@link createOnnxModel} for any image model, {@link OnnxSession} for lower-level use
 * (several inputs, int64 token ids), and the execution-provider vocabulary.
 *
 * @example
 * ```ts
 * import { createOnnxModel } from './models/onnx/index.ts';
 * const model = createOnnxModel({ model: 'model.onnx', input: { width: 224, height: 224 }, providers: ['webgpu', 'cpu'] });
 * await model.init();
 * ```
 */
export { createOnnxModel, type OnnxModel, type OnnxModelOptions } from './model.ts';
export { EXECUTION_PROVIDERS, type ExecutionProvider, type ModelWarning } from './providers.ts';
export { OnnxSession, type OnnxSessionOptions, type TensorArray, type TensorData, type TensorInfo, type TensorType } from './session.ts';
