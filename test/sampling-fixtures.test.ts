/**
 * Shared helpers of the sampling tests: synthetic streams, a decoder simulation that feeds a Selector GOP
 * runs (seeking when nextNeededSeconds allows), and a brute-force reference computed over all frames.
 * Imported by the other sampling tests; its own self-checks run only when this file is the entry point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SamplingManifest, SamplingOptions, SkipReason, Target } from '../src/core/types.ts';
import type { FrameRef, Selector, Timeline } from '../src/sampling/types.ts';

/** The comparison tolerance the spec fixes (1 µs). */
export const TOL = 1e-6;

import { prng } from './helpers/prng.ts';

export { prng };

/** A whole synthetic stream: its timeline, every frame in display order, and the frames split into GOPs. */
export interface Stream {
  timeline: Timeline;
  frames: FrameRef[];
  gops: FrameRef[][];
}

export interface CfrSpec {
  fps: number;
  frames: number;
  startSeconds?: number;
  /** Frames per GOP, or the list of keyframe indices. */
  gop?: number | number[];
  /** Largest absolute error added to each pts, as a rational timebase would (default 0). */
  jitterSeconds?: number;
  seed?: number;
  /** Whether the container declares the duration (default true). */
  knownDuration?: boolean;
  knownFrameCount?: boolean;
  isLive?: boolean;
}

/** A constant-frame-rate stream: pts = start + i / fps (± jitter), keyframes every `gop` frames. */
export function cfrStream(spec: CfrSpec): Stream {
  const start = spec.startSeconds ?? 0;
  const random = prng(spec.seed ?? 1);
  const jitter = spec.jitterSeconds ?? 0;
  const pts = Array.from({ length: spec.frames }, (_, i) => start + i / spec.fps + (random() * 2 - 1) * jitter);
  const known = spec.knownDuration ?? !spec.isLive;
  return buildStream(pts, spec.gop ?? 60, {
    startSeconds: start,
    durationSeconds: known ? spec.frames / spec.fps : null,
    frameCount: (spec.knownFrameCount ?? known) ? spec.frames : null,
    fps: spec.fps,
    constantFrameRate: true,
    isLive: spec.isLive ?? false,
  });
}

/** A stream with the given pts (ascending); the timeline says variable frame rate unless told otherwise. */
export function vfrStream(pts: number[], gop: number | number[], timeline: Partial<Timeline> = {}): Stream {
  const first = pts[0] ?? 0;
  const last = pts.at(-1) ?? 0;
  const averageFps = pts.length > 1 ? (pts.length - 1) / (last - first) : null;
  return buildStream(pts, gop, {
    startSeconds: first,
    durationSeconds: averageFps === null ? null : last - first + 1 / averageFps,
    frameCount: pts.length,
    fps: averageFps,
    constantFrameRate: false,
    isLive: false,
    ...timeline,
  });
}

function buildStream(pts: number[], gop: number | number[], timeline: Timeline): Stream {
  const keys = new Set(typeof gop === 'number' ? pts.map((_, i) => i).filter((i) => i % gop === 0) : [0, ...gop]);
  const frames = pts.map((ptsSeconds, index) => ({ index, ptsSeconds, keyframe: keys.has(index) }));
  const gops: FrameRef[][] = [];
  for (const frame of frames) {
    if (frame.keyframe || gops.length === 0) gops.push([]);
    (gops.at(-1) as FrameRef[]).push(frame);
  }
  return { timeline, frames, gops };
}

/** A random VFR stream: irregular frame intervals and GOP lengths. */
export function randomVfrStream(random: () => number, frames: number, startSeconds = 0): Stream {
  const pts: number[] = [];
  let t = startSeconds;
  for (let i = 0; i < frames; i++, t += 0.005 + random() * 0.15) pts.push(t);
  const keys: number[] = [];
  for (let i = 0; i < frames; i += 1 + Math.floor(random() * 50)) keys.push(i);
  return vfrStream(pts, keys);
}

export interface SimOptions {
  /** Skip whole GOPs whose following keyframe is at or before nextNeededSeconds() (a seeking decoder). */
  seek?: boolean;
  /** Split each GOP into runs of at most this many frames (default: the whole GOP). */
  runFrames?: number;
}

export interface SimResult {
  /** Frame index → the targets its selection carried, in selection order. */
  picks: Map<number, Target[]>;
  /** Frames handed to select(). */
  framesFed: number;
  manifest: SamplingManifest;
}

/**
 * Feeds a selector the way the decode loop does: GOP by GOP in display order, asking nextNeededSeconds()
 * before each GOP, stopping when isDone(). Checks the contract as it goes (nextNeeded never moves
 * backward; isDone agrees with nextNeeded; selections point inside their run).
 */
export function simulate(selector: Selector, stream: Stream, options: SimOptions = {}, reason: SkipReason = 'beyond-end'): SimResult {
  const picks = new Map<number, Target[]>();
  const next = (frame: FrameRef): number | null => stream.frames[frame.index + 1]?.ptsSeconds ?? null;
  let framesFed = 0;
  let lastNeed = Number.NEGATIVE_INFINITY;
  for (let g = 0; g < stream.gops.length && !selector.isDone(); g++) {
    const need = selector.nextNeededSeconds();
    assert.notEqual(need, null, 'nextNeededSeconds() is null while isDone() is false');
    assert.ok((need as number) >= lastNeed - TOL, `nextNeededSeconds() moved backward: ${need} < ${lastNeed}`);
    lastNeed = need as number;
    while (options.seek && g + 1 < stream.gops.length && (stream.gops[g + 1]?.[0]?.ptsSeconds as number) <= lastNeed) g++;
    for (const run of runsOf(stream.gops[g] as FrameRef[], selector.keyframesOnly, options.runFrames)) {
      framesFed += run.length;
      for (const selection of selector.select(run, next(run.at(-1) as FrameRef))) {
        const frame = run[selection.position];
        assert.ok(frame !== undefined, 'selection.position outside the run');
        assert.ok(!picks.has(frame.index), `frame ${frame.index} selected twice`);
        picks.set(frame.index, selection.targets);
      }
      if (selector.isDone()) break;
    }
  }
  // A decoder that skipped the tail (keyframes only) reports the end of the stream with an empty run.
  if (!selector.isDone()) assert.deepEqual(selector.select([], null), []);
  assert.ok(selector.isDone(), 'not done after the end of the stream');
  assert.equal(selector.nextNeededSeconds(), null);
  return { picks, framesFed, manifest: selector.finish(reason) };
}

function runsOf(gop: FrameRef[], keyframesOnly: boolean, runFrames: number | undefined): FrameRef[][] {
  if (keyframesOnly) return gop[0]?.keyframe ? [[gop[0]]] : [];
  const size = runFrames ?? gop.length;
  const runs: FrameRef[][] = [];
  for (let i = 0; i < gop.length; i += size) runs.push(gop.slice(i, i + size));
  return runs;
}

/** What the reference expects for one target, in the user's order. */
export interface ExpectedTarget {
  target: Target;
  status: 'delivered' | 'beyond-end' | 'max-frames';
  frameIndex: number | null;
}

export interface Expected {
  /** Delivered frame indices, ascending. */
  frames: number[];
  /** Per target in user order (explicit plans), or null for open-ended plans. */
  targets: ExpectedTarget[] | null;
  /** True when the plan's targets are unbounded (fps with no known end): only resolvable ones are listed. */
  unbounded: boolean;
}

/** Brute force over every frame of the stream, straight from the rules in docs/sampling.md. */
export function reference(options: SamplingOptions, stream: Stream): Expected {
  const tl = stream.timeline;
  const start = options.startSeconds ?? tl.startSeconds;
  const declaredEnd = tl.isLive || tl.durationSeconds === null ? null : tl.startSeconds + tl.durationSeconds;
  const frameEnd = options.endSeconds ?? Number.POSITIVE_INFINITY;
  const inRange = stream.frames.filter((f) => f.ptsSeconds >= start - TOL && f.ptsSeconds < frameEnd - TOL);
  const cap = options.maxFrames ?? Number.POSITIVE_INFINITY;
  const targets = referenceTargets(options, stream, start, declaredEnd);
  if (targets === null) {
    const frames = openEnded(options, inRange, tl).slice(0, cap).map((f) => f.index);
    return { frames, targets: null, unbounded: false };
  }
  const targetEnd = options.endSeconds ?? declaredEnd ?? Number.POSITIVE_INFINITY;
  const context = { start, targetEnd, declaredEnd, inRange, stream };
  const resolve = (target: Target): Resolved =>
    target.kind === 'index'
      ? { target, frame: inRange.find((f) => f.index === target.index) ?? null, outside: false }
      : { target, frame: frameAt(target.seconds, context), outside: outside(target.seconds, context) };
  return applyCap(targets.list.map(resolve), cap, targets.unbounded);
}

function openEnded(options: SamplingOptions, inRange: FrameRef[], tl: Timeline): FrameRef[] {
  if (options.count !== undefined) return inRange.slice(0, options.count);
  if (options.keyframes) return inRange.filter((f) => f.keyframe);
  const n = options.every ?? 1;
  const first = inRange[0]?.index ?? 0;
  const cfr = tl.constantFrameRate && tl.fps !== null;
  return inRange.filter((f, k) => (cfr ? f.index - first : k) % n === 0);
}

interface TargetContext {
  start: number;
  targetEnd: number;
  declaredEnd: number | null;
  inRange: FrameRef[];
  stream: Stream;
}

/** A time outside [start, targetEnd) is beyond-end whatever else happens (even after maxFrames). */
function outside(t: number, c: TargetContext): boolean {
  return t < c.start - TOL || t >= c.targetEnd - TOL;
}

/** The frame displayed at t among the frames in range, or the first in range after t; null when none. */
function frameAt(t: number, c: TargetContext): FrameRef | null {
  if (outside(t, c)) return null;
  let shown: FrameRef | null = null;
  for (const f of c.inRange) if (f.ptsSeconds <= t + TOL) shown = f;
  shown ??= c.inRange.find((f) => f.ptsSeconds >= t - TOL) ?? null;
  if (shown === null || shown !== c.stream.frames.at(-1)) return shown;
  const fps = c.stream.timeline.fps;
  const until = Math.max(c.declaredEnd ?? Number.NEGATIVE_INFINITY, shown.ptsSeconds + (fps ? 1 / fps : 1e-3));
  return t < until - TOL ? shown : null;
}

function referenceTargets(options: SamplingOptions, stream: Stream, start: number, declaredEnd: number | null) {
  const tl = stream.timeline;
  const list: Target[] = [];
  if (options.at) return { list: options.at.map((seconds): Target => ({ kind: 'time', seconds })), unbounded: false };
  if (options.fps !== undefined) {
    const end = options.endSeconds ?? declaredEnd;
    const last = stream.frames.at(-1)?.ptsSeconds ?? start;
    const stop = end ?? Math.max(last + 1, declaredEnd ?? 0);
    for (let k = 0; start + k / options.fps < stop - TOL; k++) list.push({ kind: 'time', seconds: start + k / options.fps });
    return { list, unbounded: end === null };
  }
  if (options.count === undefined || options.first) return null;
  const n = options.count;
  const whole = (options.startSeconds === undefined || options.startSeconds <= tl.startSeconds + TOL) &&
    (options.endSeconds === undefined || (declaredEnd !== null && options.endSeconds >= declaredEnd - TOL));
  if (whole && tl.frameCount !== null && tl.constantFrameRate && tl.fps !== null) {
    for (let k = 0; k < n; k++) list.push({ kind: 'index', index: n === 1 ? 0 : Math.round((k * (tl.frameCount - 1)) / (n - 1)) });
    return { list, unbounded: false };
  }
  const end = Math.min(options.endSeconds ?? Number.POSITIVE_INFINITY, declaredEnd ?? Number.POSITIVE_INFINITY);
  const last = Math.max(start, end - (tl.fps ? 1 / tl.fps : 1e-3));
  for (let k = 0; k < n; k++) list.push({ kind: 'time', seconds: n === 1 ? start : start + (k * (last - start)) / (n - 1) });
  return { list, unbounded: false };
}

interface Resolved {
  target: Target;
  frame: FrameRef | null;
  outside: boolean;
}

/**
 * maxFrames: targets in ascending media order; once `cap` distinct frames are taken, every target not
 * satisfied by a taken frame is max-frames, except times outside the range, which stay beyond-end.
 */
function applyCap(resolved: Resolved[], cap: number, unbounded: boolean): Expected {
  const key = (t: Target) => (t.kind === 'index' ? t.index : t.seconds);
  const out: ExpectedTarget[] = resolved.map(({ target }) => ({ target, status: 'beyond-end', frameIndex: null }));
  const ascending = resolved.map((r, i) => ({ ...r, i })).sort((a, b) => key(a.target) - key(b.target) || a.i - b.i);
  const taken = new Set<number>();
  for (const { target, frame, outside, i } of ascending) {
    if (outside) continue;
    if (frame !== null && (taken.has(frame.index) || taken.size < cap)) {
      taken.add(frame.index);
      out[i] = { target, status: 'delivered', frameIndex: frame.index };
    } else if (taken.size >= cap) out[i] = { target, status: 'max-frames', frameIndex: null };
  }
  return { frames: [...taken].sort((a, b) => a - b), targets: out, unbounded };
}

/** Asserts that a simulated run delivered exactly what the reference expects. */
export function assertMatchesReference(result: SimResult, expected: Expected, label = ''): void {
  assert.deepEqual([...result.picks.keys()].sort((a, b) => a - b), expected.frames, `${label} delivered frames`);
  assert.equal(result.manifest.delivered, expected.frames.length, `${label} manifest.delivered`);
  if (expected.targets === null) return;
  // Target times are compared to 1 ns: the reference computes them with its own (equivalent) formulas.
  const got = result.manifest.entries.map((e) => ({ target: e.target, status: e.status, frameIndex: e.frameIndex ?? null }));
  const close = (a: Target, b: Target | undefined): boolean =>
    a.kind === 'time' && b?.kind === 'time' && Math.abs(a.seconds - b.seconds) < 1e-9;
  const wanted = (expected.unbounded ? expected.targets.filter((t) => t.status === 'delivered') : expected.targets)
    .map((t, i) => (close(t.target, got[i]?.target) ? { ...t, target: got[i]?.target as Target } : t));
  assert.deepEqual(got, wanted, `${label} manifest entries`);
}

if (import.meta.main) {
  test('prng is deterministic', () => {
    const a = prng(7);
    const b = prng(7);
    assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
  });

  test('cfrStream builds GOPs of the requested size with exact pts', () => {
    const stream = cfrStream({ fps: 30, frames: 300, startSeconds: 1.4 });
    assert.equal(stream.gops.length, 5);
    assert.equal(stream.gops[1]?.[0]?.ptsSeconds, 1.4 + 60 / 30);
    assert.ok(stream.gops.every((gop) => gop[0]?.keyframe && gop.slice(1).every((f) => !f.keyframe)));
    assert.equal(stream.timeline.durationSeconds, 10);
  });

  test('reference: fps 1 on 10 s at 30 fps picks every 30th frame', () => {
    const expected = reference({ fps: 1 }, cfrStream({ fps: 30, frames: 300 }));
    assert.deepEqual(expected.frames, Array.from({ length: 10 }, (_, k) => k * 30));
  });
}
