/** Calls to the REST API, turning the error envelope into AvatariumError. */
import { AvatariumError } from './errors.js';

/**
 * Call the REST API: JSON in (or a FormData, sent as multipart) and the envelope's `data` out.
 * @param {string} baseUrl the server's base URL, without a trailing slash
 * @param {string} path e.g. `/v1/conversations`
 * @param {{method?: string, body?: unknown, token?: string, signal?: AbortSignal}} [options]
 * @returns {Promise<any>} the envelope's `data`
 */
export async function api(baseUrl, path, options = {}) {
  const { body, token } = options;
  const multipart = body instanceof FormData;
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(baseUrl + path, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body: body === undefined ? undefined : multipart ? body : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    throw new AvatariumError('SERVICE_UNAVAILABLE', `Cannot reach the Avatarium server: ${String(error)}`);
  }
  return envelopeData(response);
}

/**
 * The `data` of a response, or the AvatariumError its error envelope describes.
 * @param {Response} response
 */
export async function envelopeData(response) {
  /** @type {any} */
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // not JSON: reported below from the status alone
  }
  if (response.ok) return payload?.data;
  const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
  const code = payload?.error?.code ?? `HTTP_${response.status}`;
  const message = payload?.error?.message ?? `The server answered ${response.status}`;
  throw new AvatariumError(code, message, { retryAfter });
}
