/**
 * Config-driven runs: a YAML or JSON file that lists sources, algorithms, sinks and a recording, validated
 * once with messages that point at the bad field, then turned into one `PipelineOptions` per source.
 * `docs/pipelines-config.md` documents every field.
 */
export type { ResolvedAlgorithm } from './algorithms.ts';
export { type ConfigPath, formatConfigPath } from './errors.ts';
export { type LoadedPipelineConfig, type LoadPipelineConfigOptions, loadPipelineConfig, parseConfigText, resolvePipelineConfig, validatePipelineConfig } from './load.ts';
export { type ConfiguredPipeline, type ConfiguredPipelines, type ConfigToPipelinesOptions, configToPipelines } from './pipelines.ts';
export { type AlgorithmConfig, type PipelineConfig, pipelineConfigJsonSchema, pipelineConfigSchema, PROGRESS_DISPLAYS, type SinkConfig, type SourceConfig } from './schema.ts';
