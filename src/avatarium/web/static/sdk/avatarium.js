/**
 * Avatarium browser SDK: a talking, lip-synced 3D avatar in any element, over the Avatarium API.
 *
 *   import Avatarium from 'https://your-server/sdk/avatarium.js';
 *   const avatar = new Avatarium(element, { conversationId, clientToken });
 *   avatar.on('stateChanged', (state) => …);
 *   await avatar.send('Hello!');
 *
 * No build step and no dependency: three.js is vendored beside this file.
 */
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import { AvatariumError, asAvatariumError } from './errors.js';
import { INPUT_AUDIO, Microphone } from './microphone.js';
import { Player } from './player.js';
import { api } from './rest.js';

export { AvatariumError } from './errors.js';
export { api } from './rest.js';

/**
 * @typedef {object} AvatariumOptions
 * @property {string} [avatarId] the avatar to show; required unless `conversationId` is given
 * @property {string} [baseUrl] the server; default: where this module was loaded from
 * @property {string} [conversationId] a conversation your backend created, with
 * @property {string} [clientToken] the `clientToken` it returned (no API key in the page)
 * @property {(conversationId: string) => Promise<string>} [getClientToken] a fresh client token for the
 *   conversation, from your backend (`POST /v1/conversations/:id/client-token`): called when the socket
 *   must reconnect after its token expired. Without it (and without `apiKey`) such a reconnection fails
 *   with `UNAUTHORIZED`.
 * @property {string} [apiKey] for demos only: the SDK creates the conversation itself (the key is visible to anyone)
 * @property {string} [personaId] with `apiKey`: the conversation's persona
 * @property {string} [voiceId] with `apiKey`: the conversation's voice
 * @property {string} [model] with `apiKey`: the conversation's language model
 */

/** @typedef {'idle' | 'listening' | 'thinking' | 'speaking'} AvatarState */
/** @typedef {{id: string, role: string, content: string, interrupted: boolean, metrics?: Record<string, number | null>}} Message */

/**
 * @typedef {object} AvatariumEvents
 * @property {{conversation: any}} ready
 * @property {AvatarState} stateChanged
 * @property {{text: string}} transcript
 * @property {{message: Message}} message
 * @property {{code: string, message: string}} error
 */

/** @typedef {{text: string, started: boolean, reply: Message | null, error: AvatariumError | null, resolve: (m: Message | null) => void, reject: (e: AvatariumError) => void}} PendingTurn */

const SESSION_TIMEOUT_MS = 10_000;

export class Avatarium {
  /**
   * @param {HTMLElement} container where the avatar is drawn (it fills the element)
   * @param {AvatariumOptions} options
   */
  constructor(container, options) {
    if (!(container instanceof HTMLElement)) throw new TypeError('Avatarium: container must be an element');
    this.options = { ...options };
    this.baseUrl = (options.baseUrl ?? new URL('..', import.meta.url).href).replace(/\/+$/, '');
    /** @type {Emitter<AvatariumEvents>} */
    this.events = new Emitter();
    /** @type {AvatarState} */
    this.state = 'idle';
    this.serverState = 'idle';
    /** After stop(): audio of the interrupted reply still in flight is dropped until the next turn. */
    this.muted = false;
    this.destroyed = false;
    /** @type {any} */
    this.conversation = null;
    /** @type {PendingTurn[]} */
    this.turns = [];
    /** @type {Connection | null} */
    this.connection = null;
    /** @type {Microphone | null} */
    this.microphone = null;
    /** @type {{resolve: () => void, reject: (e: AvatariumError) => void} | null} */
    this.sessionWaiter = null;
    /** Whether the current reply has been heard yet: a gap between two sentences is still speaking. */
    this.replyHeard = false;
    this.player = new Player({
      onStart: () => {
        this.replyHeard = true;
        this.updateState();
      },
      onDrained: () => this.updateState(),
    });
    /** @type {import('./avatar.js').AvatarView | null} */
    this.view = null;
    this.container = container;
    /** Settles start-up once the socket's first `ready` arrives (or it fails for good). */
    /** @type {{resolve: (conversation: any) => void, reject: (e: AvatariumError) => void} | undefined} */
    this.connectionReady = undefined;
    this.unlockOnGesture = () => {
      this.unlock().catch(() => undefined);
    };
    for (const name of ['pointerdown', 'keydown', 'touchend']) {
      document.addEventListener(name, this.unlockOnGesture, { capture: true, passive: true });
    }
    this.readyPromise = this.start();
    this.readyPromise.catch((error) => this.report(error));
  }

  // ——— public API ———

  /**
   * @template {keyof AvatariumEvents} K
   * @param {K} name
   * @param {(payload: AvatariumEvents[K]) => void} fn
   */
  on(name, fn) {
    this.events.on(name, fn);
    return this;
  }

  /**
   * @template {keyof AvatariumEvents} K
   * @param {K} name
   * @param {(payload: AvatariumEvents[K]) => void} fn
   */
  off(name, fn) {
    this.events.off(name, fn);
    return this;
  }

  /**
   * One conversation turn: the avatar answers, aloud. Sending while it talks interrupts it.
   * @param {string} text
   * @returns {Promise<Message | null>} the stored reply (`interrupted: true` if cut short), null if nothing was said
   */
  async send(text) {
    const content = this.checkText(text, 4000);
    await this.whenReady();
    // Still muted after a stop(): audio of the interrupted reply may be on its way. The server's
    // `thinking` for this message comes after that reply's end, and unmutes.
    return new Promise((resolve, reject) => {
      this.turns.push({ text: content, started: false, reply: null, error: null, resolve, reject });
      this.connection?.send({ type: 'message', content });
    });
  }

  /**
   * Say `text` as it is, in the conversation's voice (no reply, nothing stored). Needs `apiKey`:
   * the API's speech endpoint does not take a client token.
   * @param {string} text
   * @returns {Promise<void>} settles when the avatar has finished saying it (or was stopped)
   */
  async speak(text) {
    const content = this.checkText(text, 5000);
    await this.whenReady();
    if (!this.options.apiKey) {
      throw new AvatariumError('FORBIDDEN', 'speak() needs the apiKey option: the speech endpoint takes no client token');
    }
    const body = { text: content, voiceId: this.conversation?.voiceId };
    const speech = await api(this.baseUrl, '/v1/tts', { body, token: this.options.apiKey });
    await this.player.enqueue(base64ToBuffer(speech.audio), speech.visemes ?? []);
    await new Promise((resolve) => {
      const done = () => {
        if (this.player.playing) return;
        this.off('stateChanged', done);
        resolve(undefined);
      };
      this.on('stateChanged', done);
      done();
    });
  }

  /** Interrupt: silences the avatar at once, drops queued speech and stops the reply on the server. */
  stop() {
    this.muted = true;
    this.player.stop();
    if (this.connection?.open) this.connection.send({ type: 'interrupt' });
    this.updateState();
  }

  /** @param {number} volume 0..1 */
  setVolume(volume) {
    if (typeof volume !== 'number' || !(volume >= 0 && volume <= 1)) {
      throw new AvatariumError('BAD_REQUEST', 'volume must be a number from 0 to 1');
    }
    this.player.setVolume(volume);
  }

  /**
   * Allow audio. Browsers that demand a user gesture (Safari, iOS) get it from the first click, tap
   * or key press on the page automatically; call this from your own gesture handler to be sure.
   */
  async unlock() {
    await this.player.unlock();
  }

  /**
   * Speak instead of typing: the microphone streams to the server, which transcribes and answers.
   * @param {{sttModel?: string}} [options] the speech recognition model (default: the server's)
   */
  async startListening(options = {}) {
    await this.whenReady();
    if (this.microphone) return;
    const context = this.player.audioContext();
    await this.player.unlock().catch(() => undefined);
    const session = new Promise((resolve, reject) => {
      this.sessionWaiter = { resolve: () => resolve(undefined), reject };
      setTimeout(() => reject(new AvatariumError('GATEWAY_TIMEOUT', 'The server did not accept voice input')), SESSION_TIMEOUT_MS);
    });
    const inputAudio = { ...INPUT_AUDIO, turnDetection: 'server_vad' };
    this.connection?.send({ type: 'session.update', inputAudio, ...(options.sttModel ? { sttModel: options.sttModel } : {}) });
    try {
      await session;
    } finally {
      this.sessionWaiter = null;
    }
    const microphone = new Microphone(context, (chunk) => this.connection?.sendBinary(chunk));
    await microphone.start();
    this.microphone = microphone;
    this.updateState();
  }

  /** Stop the microphone; what was said so far is sent as the end of the utterance. */
  stopListening() {
    if (!this.microphone) return;
    this.microphone.stop();
    this.microphone = null;
    this.connection?.send({ type: 'input_audio.commit' });
    this.updateState();
  }

  /** Close the connection, release audio and the canvas. */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const name of ['pointerdown', 'keydown', 'touchend']) {
      document.removeEventListener(name, this.unlockOnGesture, { capture: true });
    }
    this.microphone?.stop();
    this.microphone = null;
    this.connection?.close();
    this.failTurns(new AvatariumError('CANCELLED', 'The avatar was destroyed'));
    this.player.close().catch(() => undefined);
    this.view?.dispose();
    this.events.clear();
  }

  /** The three.js scene, for apps that add their own objects or read the avatar's morph targets. */
  get scene() {
    return this.view?.scene ?? null;
  }

  // ——— start-up ———

  async start() {
    const { conversationId, clientToken } = await this.credentials();
    const url = new URL(`${this.baseUrl}/v1/conversations/${encodeURIComponent(conversationId)}/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', clientToken);
    const connected = new Promise((resolve, reject) => {
      this.connectionReady = { resolve, reject };
    });
    this.connection = new Connection(url.href, {
      onEvent: (event) => this.handle(event),
      onFatal: (error) => this.fatal(error),
      onDrop: () => this.dropped(),
      renew: this.tokenRenewal(conversationId, url),
    });
    const conversation = /** @type {any} */ (await connected);
    await this.loadAvatar(this.options.avatarId ?? conversation.avatarId);
    if (!this.destroyed) this.events.emit('ready', { conversation });
  }

  /**
   * How to reopen the socket once its client token has expired: the page's `getClientToken`, or with
   * `apiKey` the API itself; undefined when there is no way.
   * @param {string} conversationId
   * @param {URL} url the socket URL, whose `token` is replaced
   * @returns {(() => Promise<string>) | undefined} resolves to the socket URL with a fresh token
   */
  tokenRenewal(conversationId, url) {
    const { getClientToken, apiKey } = this.options;
    if (!getClientToken && !apiKey) return undefined;
    return async () => {
      const path = `/v1/conversations/${encodeURIComponent(conversationId)}/client-token`;
      const token = getClientToken
        ? await getClientToken(conversationId)
        : (await api(this.baseUrl, path, { method: 'POST', token: apiKey })).clientToken;
      url.searchParams.set('token', token);
      return url.href;
    };
  }

  /** @returns {Promise<{conversationId: string, clientToken: string}>} */
  async credentials() {
    const { conversationId, clientToken, apiKey } = this.options;
    if (conversationId && clientToken) return { conversationId, clientToken };
    if (conversationId) {
      throw new AvatariumError('BAD_REQUEST', 'conversationId needs the clientToken returned when it was created');
    }
    if (!apiKey) {
      throw new AvatariumError('BAD_REQUEST', 'Pass conversationId and clientToken (or, for demos, apiKey)');
    }
    if (!this.options.avatarId) throw new AvatariumError('BAD_REQUEST', 'avatarId is required');
    console.warn(
      'Avatarium: an API key in a web page can be read by anyone who opens it. Use it for demos only; ' +
        'in production let your backend create the conversation and pass conversationId and clientToken.',
    );
    const body = Object.fromEntries(
      ['avatarId', 'personaId', 'voiceId', 'model']
        .map((name) => [name, /** @type {Record<string, unknown>} */ (this.options)[name]])
        .filter(([, value]) => value !== undefined),
    );
    const created = await api(this.baseUrl, '/v1/conversations', { body, token: apiKey });
    return { conversationId: created.id, clientToken: created.clientToken };
  }

  /** @param {string} avatarId */
  async loadAvatar(avatarId) {
    const avatar = await api(this.baseUrl, `/v1/avatars/${encodeURIComponent(avatarId)}`, {
      token: this.options.apiKey,
    });
    const { AvatarView } = await import('./avatar.js');
    if (this.destroyed) return;
    this.view = new AvatarView(this.container, this.player);
    await this.view.load(avatar.modelUrl);
  }

  whenReady() {
    if (this.destroyed) return Promise.reject(new AvatariumError('CANCELLED', 'The avatar was destroyed'));
    return this.readyPromise;
  }

  // ——— server events ———

  /** @param {any} event */
  handle(event) {
    switch (event.type) {
      case 'ready':
        this.conversation = event.conversation;
        this.connectionReady?.resolve(event.conversation);
        this.connectionReady = undefined;
        break;
      case 'state':
        this.serverStateChanged(event.state);
        break;
      case 'message':
        this.events.emit('message', { message: event.message });
        break;
      case 'audio':
        if (!this.muted) this.player.enqueue(base64ToBuffer(event.data), event.visemes ?? []).catch((e) => this.report(e));
        break;
      case 'reply.done':
        this.replyDone(event.message);
        break;
      case 'error':
        this.serverError(new AvatariumError(event.error?.code ?? 'INTERNAL_SERVER_ERROR', event.error?.message ?? ''));
        break;
      case 'session.updated':
        this.sessionWaiter?.resolve();
        break;
      case 'transcript.done':
        if (event.text) this.events.emit('transcript', { text: event.text });
        break;
      case 'ended':
        this.conversation = event.conversation;
        this.failTurns(new AvatariumError('CONFLICT', 'The conversation has ended'));
        break;
      default:
        break;
    }
  }

  /** @param {string} state */
  serverStateChanged(state) {
    this.serverState = state;
    if (state === 'thinking') {
      this.muted = false;
      this.replyHeard = false;
      const turn = this.turns.find((t) => !t.started);
      if (turn) turn.started = true;
    } else if (state === 'idle') {
      const turn = this.turns[0];
      if (turn?.started) {
        this.turns.shift();
        if (turn.error) turn.reject(turn.error);
        else turn.resolve(turn.reply);
      }
    }
    this.updateState();
  }

  /** @param {Message} message */
  replyDone(message) {
    const turn = this.turns.find((t) => t.started && !t.reply);
    if (turn) turn.reply = message;
    // Cut short on the server (barge-in from any client): what is still queued here was never meant to be heard.
    if (message.interrupted) this.player.stop();
    this.events.emit('message', { message });
  }

  /** @param {AvatariumError} error */
  serverError(error) {
    this.sessionWaiter?.reject(error);
    const turn = this.turns[0];
    if (turn?.started) {
      turn.error = error; // the turn's own `state: idle` follows and settles it
    } else if (turn && !this.sessionWaiter) {
      this.turns.shift(); // refused before it started (rate limit, validation): nothing else will come
      turn.reject(error);
    }
    this.report(error);
  }

  /** @param {AvatariumError} error */
  fatal(error) {
    this.microphone?.stop();
    this.microphone = null;
    this.failTurns(error);
    if (this.connectionReady) {
      this.connectionReady.reject(error); // start-up fails with it, and reports it once
      this.connectionReady = undefined;
    } else {
      this.report(error);
    }
  }

  dropped() {
    // The server cancels a running turn when its socket goes; turns not yet started are re-sent.
    const lost = this.turns.filter((t) => t.started);
    this.turns = this.turns.filter((t) => !t.started);
    for (const turn of lost) turn.reject(new AvatariumError('SERVICE_UNAVAILABLE', 'The connection dropped during this turn'));
    this.serverState = 'idle';
    this.updateState();
  }

  /** @param {AvatariumError} error */
  failTurns(error) {
    const turns = this.turns;
    this.turns = [];
    for (const turn of turns) turn.reject(error);
  }

  /** @param {unknown} error */
  report(error) {
    if (this.destroyed) return;
    const { code, message } = asAvatariumError(error);
    this.events.emit('error', { code, message });
  }

  updateState() {
    /** @type {AvatarState} */
    let state = 'idle';
    const replying = !this.muted && this.serverState === 'speaking';
    if (this.player.playing || (replying && this.replyHeard)) state = 'speaking';
    else if (!this.muted && (this.serverState === 'thinking' || this.serverState === 'speaking')) state = 'thinking';
    else if (this.microphone) state = 'listening';
    if (state !== this.state) {
      this.state = state;
      this.events.emit('stateChanged', state);
    }
  }

  /**
   * @param {unknown} text
   * @param {number} max
   */
  checkText(text, max) {
    if (typeof text !== 'string' || !text.trim()) throw new AvatariumError('BAD_REQUEST', 'text must be a non-empty string');
    if (text.length > max) throw new AvatariumError('BAD_REQUEST', `text must have at most ${max} characters`);
    return text.trim();
  }
}

/** @param {string} data */
function base64ToBuffer(data) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return bytes.buffer;
}

export default Avatarium;
