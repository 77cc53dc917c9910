/**
 * CPU accounting for task D: where the cores went during one timed run. Reads Linux's per-thread counters
 * (`/proc/self/task/<tid>/stat`, grouped by thread name) and the machine-wide counters (`/proc/stat`), so a
 * run can say how many cores this process used, which of its threads used them (decode worker, FFmpeg
 * decoder threads, ONNX Runtime, main), and how much other processes took from the machine meanwhile.
 * Every number is 0 where /proc is missing (not Linux).
 *
 * @example
 * ```ts
 * const probe = startCpuProbe();
 * await work();
 * const cpu = probe.stop(); // { wallSeconds, processCores, otherCores, byThread: { 'ORT': 1.7, … } }
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU use over one run, in cores (CPU seconds / wall seconds). */
export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds of this process (all threads). */
  processSeconds: number;
  /** Average cores this process kept busy. */
  processCores: number;
  /** Average cores other processes kept busy (machine busy − this process). */
  otherCores: number;
  /** CPU seconds per thread group (see {@link threadGroup}). */
  byThread: Record<string, number>;
}

const TICK = 100; // USER_HZ on Linux

function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // Fields after the name: state(0) … utime(11) stime(12).
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(`${tid}:${name}`, ticks);
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return out;
}

function machineBusyTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * The group a thread's CPU is filed under, from its name: the main thread (tid = pid) runs extract's JS
 * (queue, batch copy, sinks); ONNX Runtime's intra-op pool threads inherit the name `MainThread` from the
 * thread that created them; `session.run` itself runs on libuv's pool (`libuv-worker`) and takes part in
 * the compute; Node names framepipe's decode worker `WorkerThread` (demux, filter graph, tensor
 * conversion); FFmpeg names its decoder threads `av:h264:df0` and so on; task D's model worker is named
 * `ModelWorker`, and the ONNX Runtime threads it starts inherit that name.
 */
export function threadGroup(tid: number, name: string): string {
  if (tid === process.pid) return 'main JS';
  if (name === 'MainThread') return 'ORT pool';
  if (name.startsWith('libuv-worker')) return 'ORT run (libuv)';
  if (name === 'WorkerThread') return 'decode worker JS';
  if (name === 'ModelWorker') return 'ORT in model worker';
  if (name.startsWith('av:')) return 'FFmpeg threads';
  return 'other';
}

/**
 * Starts measuring; `stop()` returns the use since then. Threads are sampled every `intervalMs`, so the CPU of
 * threads that end before `stop()` (the decode worker and FFmpeg's threads end at `close()`) is kept up to
 * their last sample; what no sample saw is filed under `unattributed`.
 */
export function startCpuProbe(intervalMs = 50): { stop(): CpuUse } {
  const start = performance.now();
  const usage = process.cpuUsage();
  const machine = machineBusyTicks();
  const first = threadTicks();
  const last = new Map(first);
  const sample = () => {
    for (const [key, ticks] of threadTicks()) last.set(key, ticks);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop(): CpuUse {
      clearInterval(timer);
      sample();
      const wallSeconds = (performance.now() - start) / 1000;
      const u = process.cpuUsage(usage);
      const processSeconds = (u.user + u.system) / 1e6;
      const machineSeconds = (machineBusyTicks() - machine) / TICK;
      const byThread: Record<string, number> = {};
      let attributed = 0;
      for (const [key, ticks] of last) {
        const colon = key.indexOf(':');
        const group = threadGroup(Number(key.slice(0, colon)), key.slice(colon + 1));
        const seconds = (ticks - (first.get(key) ?? 0)) / TICK;
        if (seconds > 0) {
          byThread[group] = (byThread[group] ?? 0) + seconds;
          attributed += seconds;
        }
      }
      if (processSeconds - attributed > 0.05) byThread.unattributed = processSeconds - attributed;
      return {
        wallSeconds,
        processSeconds,
        processCores: wallSeconds > 0 ? processSeconds / wallSeconds : 0,
        otherCores: wallSeconds > 0 ? Math.max(0, machineSeconds - processSeconds) / wallSeconds : 0,
        byThread,
      };
    },
  };
}
