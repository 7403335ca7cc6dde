/** Speech playback on one AudioContext: sentences scheduled back to back, the clock lip-sync follows. */
import { AvatariumError } from './errors.js';

/** @typedef {import('./lipsync.js').Viseme} Viseme */
/** @typedef {{source: AudioBufferSourceNode, start: number, end: number, visemes: readonly Viseme[]}} Segment */

/** Scheduling a little ahead of the clock so that the first sample is never cut. */
const LEAD_S = 0.03;

export class Player {
  /** @param {{onStart: () => void, onDrained: () => void}} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    /** @type {AudioContext | null} */
    this.context = null;
    /** @type {GainNode | null} */
    this.gain = null;
    this.volume = 1;
    /** @type {Segment[]} */
    this.segments = [];
    this.endTime = 0;
    /** Bumped by stop(): decodes still in flight for an older generation are dropped. */
    this.generation = 0;
    /** Decoding is asynchronous; this chain keeps sentences in the order they arrived. */
    /** @type {Promise<void>} */
    this.chain = Promise.resolve();
  }

  /** The context, created on first use (Safari before 14.1 only has `webkitAudioContext`). */
  audioContext() {
    if (!this.context) {
      const Context = globalThis.AudioContext ?? /** @type {any} */ (globalThis).webkitAudioContext;
      if (!Context) throw new AvatariumError('NOT_SUPPORTED', 'This browser has no Web Audio');
      this.context = /** @type {AudioContext} */ (new Context());
      this.gain = this.context.createGain();
      this.gain.gain.value = this.volume;
      this.gain.connect(this.context.destination);
    }
    return this.context;
  }

  /**
   * Resume the context inside a user gesture: Safari and iOS keep audio silent until then. Playing
   * one silent sample in the gesture is what unlocks iOS for good.
   */
  async unlock() {
    const context = this.audioContext();
    const silent = context.createBufferSource();
    silent.buffer = context.createBuffer(1, 1, context.sampleRate);
    silent.connect(context.destination);
    silent.start(0);
    if (context.state !== 'running') await context.resume();
  }

  /** @param {number} volume 0..1 */
  setVolume(volume) {
    this.volume = volume;
    if (this.gain && this.context) this.gain.gain.setTargetAtTime(volume, this.context.currentTime, 0.01);
  }

  /**
   * Decode one sentence (a complete audio file) and schedule it right after the previous one.
   * @param {ArrayBuffer} audio
   * @param {readonly Viseme[]} visemes relative to the sentence's start
   * @returns {Promise<void>} settles once scheduled (or dropped by stop())
   */
  enqueue(audio, visemes) {
    const generation = this.generation;
    const scheduled = this.chain.then(async () => {
      const context = this.audioContext();
      const buffer = await decode(context, audio);
      if (generation !== this.generation) return;
      this.schedule(context, buffer, visemes);
    });
    this.chain = scheduled.catch(() => undefined);
    return scheduled;
  }

  /**
   * @param {AudioContext} context
   * @param {AudioBuffer} buffer
   * @param {readonly Viseme[]} visemes
   */
  schedule(context, buffer, visemes) {
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(/** @type {GainNode} */ (this.gain));
    const start = Math.max(context.currentTime + LEAD_S, this.endTime);
    const segment = { source, start, end: start + buffer.duration, visemes };
    const wasIdle = this.segments.length === 0;
    this.segments.push(segment);
    this.endTime = segment.end;
    source.onended = () => this.ended(segment);
    source.start(start);
    if (wasIdle) this.handlers.onStart();
  }

  /** @param {Segment} segment */
  ended(segment) {
    const index = this.segments.indexOf(segment);
    if (index < 0) return;
    this.segments.splice(index, 1);
    if (this.segments.length === 0) this.handlers.onDrained();
  }

  get playing() {
    return this.segments.length > 0;
  }

  /** Silence now and forget everything queued, decodes in flight included. */
  stop() {
    this.generation += 1;
    const segments = this.segments;
    this.segments = [];
    this.endTime = 0;
    for (const { source } of segments) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // never started: nothing to silence
      }
      source.disconnect();
    }
    if (segments.length) this.handlers.onDrained();
  }

  /**
   * The context time of the sample being heard now: `currentTime` runs ahead of the speakers by the
   * output latency, which `getOutputTimestamp()` accounts for where the browser has it.
   */
  audibleTime() {
    const context = this.context;
    if (!context) return 0;
    const stamp = context.getOutputTimestamp?.();
    if (stamp && stamp.contextTime !== undefined && stamp.performanceTime) {
      return stamp.contextTime + Math.max(0, performance.now() - stamp.performanceTime) / 1000;
    }
    return context.currentTime - (context.outputLatency || 0);
  }

  /**
   * The sentence being heard and how far into it, in ms: what lip-sync follows.
   * @returns {{visemes: readonly Viseme[], ms: number, start: number} | null}
   */
  position() {
    if (!this.segments.length) return null;
    const now = this.audibleTime();
    const segment = this.segments.find((s) => s.start <= now && now < s.end);
    return segment ? { visemes: segment.visemes, ms: (now - segment.start) * 1000, start: segment.start } : null;
  }

  async close() {
    this.stop();
    const context = this.context;
    this.context = null;
    if (context && context.state !== 'closed') await context.close();
  }
}

/**
 * `decodeAudioData`, also where it only takes callbacks (old Safari).
 * @param {AudioContext} context
 * @param {ArrayBuffer} data
 * @returns {Promise<AudioBuffer>}
 */
function decode(context, data) {
  return new Promise((resolve, reject) => {
    const fail = () => reject(new AvatariumError('BAD_GATEWAY', 'The server sent audio this browser cannot decode'));
    const pending = context.decodeAudioData(data, resolve, fail);
    pending?.catch(fail);
  });
}
