/** The microphone as 16 kHz mono PCM (s16le) chunks, for the socket's voice input. */
import { AvatariumError } from './errors.js';

export const INPUT_AUDIO = /** @type {const} */ ({ format: 'pcm_s16le', sampleRate: 16000 });

export class Microphone {
  /**
   * @param {AudioContext} context
   * @param {(chunk: ArrayBuffer) => void} onChunk
   */
  constructor(context, onChunk) {
    this.context = context;
    this.onChunk = onChunk;
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {AudioNode[]} */
    this.nodes = [];
  }

  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new AvatariumError('NOT_SUPPORTED', 'This browser cannot record audio (a secure origin is needed)');
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
    } catch (error) {
      throw new AvatariumError('FORBIDDEN', `The microphone is not available: ${String(error)}`);
    }
    await this.context.audioWorklet.addModule(new URL('./pcm-worklet.js', import.meta.url).href);
    const source = this.context.createMediaStreamSource(this.stream);
    const worklet = new AudioWorkletNode(this.context, 'avatarium-pcm');
    worklet.port.onmessage = (message) => this.onChunk(message.data);
    // A node is only processed while connected towards the destination; a muted gain keeps it silent.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    source.connect(worklet).connect(mute).connect(this.context.destination);
    this.nodes = [source, worklet, mute];
  }

  stop() {
    for (const node of this.nodes) node.disconnect();
    this.nodes = [];
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }
}
