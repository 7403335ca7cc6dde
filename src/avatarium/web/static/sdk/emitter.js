/** A small typed event emitter: `on(name, fn)` / `off(name, fn)`. */

/** @template {Record<string, unknown>} Events */
export class Emitter {
  constructor() {
    /** @type {Map<keyof Events, Set<(payload: any) => void>>} */
    this.listeners = new Map();
  }

  /**
   * @template {keyof Events} K
   * @param {K} name
   * @param {(payload: Events[K]) => void} fn
   */
  on(name, fn) {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
  }

  /**
   * @template {keyof Events} K
   * @param {K} name
   * @param {(payload: Events[K]) => void} fn
   */
  off(name, fn) {
    this.listeners.get(name)?.delete(fn);
  }

  /**
   * @template {keyof Events} K
   * @param {K} name
   * @param {Events[K]} payload
   */
  emit(name, payload) {
    for (const fn of [...(this.listeners.get(name) ?? [])]) {
      try {
        fn(payload);
      } catch (error) {
        // A listener's bug must not stop the SDK or the other listeners.
        console.error(`Avatarium: a '${String(name)}' listener threw`, error);
      }
    }
  }

  clear() {
    this.listeners.clear();
  }
}
