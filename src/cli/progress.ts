/**
 * Progress for CLI runs: a bar on a terminal, one plain line per second otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(index: number, ptsSeconds: number): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WritableStream, quiet: boolean, total: number | null): Progress {
  if (quiet) return { tick() {}, stop() {} };
  let done = 0;
  if ((stream as NodeJS.WriteStream).isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: stream as NodeJS.WriteStream, format: total ? 'frames {bar} {value}/{total} | {pts}s | {eta_formatted} left' : 'frames {value} | {pts}s', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { pts: '0.000' });
    return {
      tick(_index, pts) {
        done++;
        bar.update(done, { pts: pts.toFixed(3) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  const started = Date.now();
  return {
    tick(index, pts) {
      done++;
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      stream.write(`progress ${done}${total ? `/${total}` : ''} frames, index ${index}, ${pts.toFixed(3)}s, ${(done / ((now - started) / 1000)).toFixed(1)} frames/s\n`);
    },
    stop() {
      stream.write(`progress ${done}${total ? `/${total}` : ''} frames done in ${((Date.now() - started) / 1000).toFixed(2)}s\n`);
    },
  };
}
