/**
 * Progress for `framepipe extract`: on a terminal, one bar per source plus a total; otherwise one plain line
 * per second and one per source event, so logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { ExtractEvent } from '../index.ts';

export interface ExtractProgress {
  onEvent(event: ExtractEvent): void;
  stop(): void;
}

export function createExtractProgress(stream: NodeJS.WritableStream, quiet: boolean): ExtractProgress {
  if (quiet) return { onEvent() {}, stop() {} };
  return (stream as NodeJS.WriteStream).isTTY ? terminalProgress(stream as NodeJS.WriteStream) : lineProgress(stream);
}

function terminalProgress(stream: NodeJS.WriteStream): ExtractProgress {
  const multi = new cliProgress.MultiBar(
    { stream, hideCursor: true, clearOnComplete: false, format: '{name} {bar} {value}/{total} {status}' },
    cliProgress.Presets.shades_classic,
  );
  const total = multi.create(0, 0, { name: 'total'.padEnd(24), status: '' });
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onEvent(e) {
      if (e.type === 'source-opened') bars.set(e.source, multi.create(e.planned ?? 0, 0, { name: shorten(e.source), status: 'decoding' }));
      else if (e.type === 'source-failed') {
        const bar = bars.get(e.source) ?? multi.create(0, 0, { name: shorten(e.source), status: '' });
        bar.update({ status: `failed: ${e.error.code}` });
      } else if (e.type === 'batch-done') {
        for (const [source, p] of Object.entries(e.sources)) bars.get(source)?.update(p.inferred, { status: '' });
        total.setTotal(e.total ?? e.processed);
        total.update(e.processed, { status: `${e.framesPerSecond.toFixed(1)} frames/s${e.etaSeconds === null ? '' : `, ${Math.ceil(e.etaSeconds)}s left`}` });
      } else if (e.type === 'source-done') bars.get(e.source)?.update({ status: 'done' });
    },
    stop: () => multi.stop(),
  };
}

function lineProgress(stream: NodeJS.WritableStream): ExtractProgress {
  let last = 0;
  return {
    onEvent(e) {
      if (e.type === 'source-opened') stream.write(`source ${e.source}: ${e.info.width}x${e.info.height}, ${e.planned ?? '?'} frames planned\n`);
      else if (e.type === 'source-failed') stream.write(`source ${e.source}: failed: ${e.error.code}: ${e.error.message}\n`);
      else if (e.type === 'source-done') stream.write(`source ${e.source}: done, ${e.delivered} frames\n`);
      else if (e.type === 'finished') stream.write(`progress ${e.processed} frames done in ${e.seconds.toFixed(2)}s (${e.framesPerSecond.toFixed(1)} frames/s)\n`);
      else if (e.type === 'batch-done' && Date.now() - last >= 1000) {
        last = Date.now();
        const eta = e.etaSeconds === null ? '' : `, ${Math.ceil(e.etaSeconds)}s left`;
        stream.write(`progress ${e.processed}${e.total === null ? '' : `/${e.total}`} frames, ${e.framesPerSecond.toFixed(1)} frames/s${eta}\n`);
      }
    },
    stop() {},
  };
}

function shorten(source: string): string {
  return (source.length > 24 ? `…${source.slice(-23)}` : source).padEnd(24);
}
