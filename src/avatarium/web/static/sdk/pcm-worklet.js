// AudioWorklet processor: the microphone, mixed to mono and resampled to 16 kHz, as 16-bit PCM chunks of 20 ms.

const TARGET_RATE = 16000;
const CHUNK_SAMPLES = TARGET_RATE / 50;

class PcmProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE;
    /** Position of the next output sample, in input samples from the start of the current block. */
    this.position = 0;
    this.previous = 0;
    this.chunk = new Int16Array(CHUNK_SAMPLES);
    this.filled = 0;
  }

  /** @param {Float32Array[][]} inputs */
  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const length = channels[0].length;
    const mono = new Float32Array(length);
    for (const channel of channels) for (let i = 0; i < length; i++) mono[i] += channel[i] / channels.length;
    // Linear interpolation between input samples; index -1 is the last sample of the previous block.
    while (this.position < length - 1) {
      const index = Math.floor(this.position);
      const fraction = this.position - index;
      const left = index < 0 ? this.previous : mono[index];
      const value = left + (mono[index + 1] - left) * fraction;
      this.push(value);
      this.position += this.step;
    }
    this.position -= length;
    this.previous = mono[length - 1];
    return true;
  }

  /** @param {number} value */
  push(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.chunk[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.filled === CHUNK_SAMPLES) {
      // Int16Array is little-endian on every platform a browser runs on: these are s16le bytes.
      const buffer = this.chunk.buffer;
      this.port.postMessage(buffer, [buffer]);
      this.chunk = new Int16Array(CHUNK_SAMPLES);
      this.filled = 0;
    }
  }
}

registerProcessor('avatarium-pcm', PcmProcessor);
