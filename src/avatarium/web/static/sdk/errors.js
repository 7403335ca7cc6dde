/** Errors the SDK reports: the API's error code and message, as promise rejections and `error` events. */

export class AvatariumError extends Error {
  /**
   * @param {string} code the API's error code (`UNAUTHORIZED`, `TOO_MANY_REQUESTS`, …)
   * @param {string} message
   * @param {{retryAfter?: number}} [extra] seconds to wait, for `TOO_MANY_REQUESTS`
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'AvatariumError';
    this.code = code;
    this.retryAfter = extra.retryAfter;
  }
}

/** Socket close codes of the API that no retry can fix. */
export const FATAL_CLOSE_CODES = /** @type {Record<number, string>} */ ({
  4401: 'UNAUTHORIZED',
  4404: 'NOT_FOUND',
  4409: 'CONFLICT',
  4429: 'TOO_MANY_REQUESTS',
});

/**
 * Any thrown value as an AvatariumError (a bug or a browser failure becomes `INTERNAL_SERVER_ERROR`).
 * @param {unknown} error
 */
export function asAvatariumError(error) {
  if (error instanceof AvatariumError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AvatariumError('INTERNAL_SERVER_ERROR', message);
}
