/** The conversation's WebSocket: JSON events in, frames out, reconnecting with backoff after a drop. */
import { AvatariumError, FATAL_CLOSE_CODES } from './errors.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/**
 * @typedef {object} ConnectionHandlers
 * @property {(event: any) => void} onEvent every JSON event of the server, `ready` included
 * @property {(error: AvatariumError) => void} onFatal the socket is closed for good (auth, not found, ended, rate limited)
 * @property {() => void} onDrop the socket dropped; a reconnection is scheduled
 * @property {() => Promise<string>} [renew] the socket URL with a fresh credential, after a 4401
 */

export class Connection {
  /**
   * @param {string} url the socket URL, `?token=` included
   * @param {ConnectionHandlers} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** Frames sent while disconnected, delivered once the server says `ready` again. */
    /** @type {(string | ArrayBuffer)[]} */
    this.outbox = [];
    this.attempts = 0;
    /** Whether the credential was renewed since the last `ready`: a second 4401 in a row is final. */
    this.renewed = false;
    this.open = false;
    this.closed = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    this.onOnline = () => this.retryNow();
    globalThis.addEventListener?.('online', this.onOnline);
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === 'ready') {
        this.open = true;
        this.attempts = 0;
        this.renewed = false;
        this.flush();
      }
      this.handlers.onEvent(event);
    };
    socket.onclose = (close) => this.closedBy(socket, close.code, close.reason);
  }

  /**
   * @param {WebSocket} socket
   * @param {number} code
   * @param {string} reason
   */
  closedBy(socket, code, reason) {
    if (socket !== this.socket || this.closed) return;
    this.open = false;
    this.socket = null;
    if (code === 4401 && this.handlers.renew && !this.renewed) {
      this.renewWith(this.handlers.renew, reason);
      return;
    }
    const fatal = FATAL_CLOSE_CODES[code];
    if (fatal) {
      this.close();
      this.handlers.onFatal(new AvatariumError(fatal, reason || `The server closed the connection (${code})`));
      return;
    }
    if (code === 1000) {
      this.close(); // the server ended it on purpose (the conversation ended)
      return;
    }
    // 1006 (network drop), 1012 (service restart), 1011, 1001, …: the conversation is still there.
    this.handlers.onDrop();
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * Reconnect with a fresh credential (the client token expired while the socket was away).
   * @param {() => Promise<string>} renew
   * @param {string} reason why the server refused the old one
   */
  async renewWith(renew, reason) {
    this.renewed = true;
    try {
      this.url = await renew();
    } catch (error) {
      this.close();
      const why = error instanceof Error ? error.message : String(error);
      this.handlers.onFatal(new AvatariumError('UNAUTHORIZED', `${reason || 'unauthorized'}; no fresh token: ${why}`));
      return;
    }
    this.connect();
  }

  retryNow() {
    if (this.closed || this.socket || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  /** @param {object} frame a client frame such as `{type: 'message', content}` */
  send(frame) {
    this.deliver(JSON.stringify(frame));
  }

  /** @param {ArrayBuffer} data */
  sendBinary(data) {
    // Microphone audio is only worth sending live: never queued for later.
    if (this.open && this.socket) this.socket.send(data);
  }

  /** @param {string} data */
  deliver(data) {
    if (this.open && this.socket) this.socket.send(data);
    else if (!this.closed) this.outbox.push(data);
  }

  flush() {
    const pending = this.outbox;
    this.outbox = [];
    for (const data of pending) this.socket?.send(data);
  }

  close() {
    this.closed = true;
    this.open = false;
    clearTimeout(this.retryTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    this.outbox = [];
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
  }
}
