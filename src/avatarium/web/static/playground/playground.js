// The playground: public catalogues at once, sign in or an API key, then a conversation through the SDK.
import { Avatarium, api } from '../sdk/avatarium.js';

const base = new URL('..', import.meta.url).href.replace(/\/+$/, '');
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));

/** The signed-in user's JWT or the pasted API key; kept in memory only. */
let token = '';
/** @type {Avatarium | null} */
let avatar = null;

/** @param {unknown} error */
function explain(error) {
  const { code, message, retryAfter } = /** @type {{code?: string, message?: string, retryAfter?: number}} */ (error);
  if (code === 'TOO_MANY_REQUESTS') {
    const wait = retryAfter ? `wait ${retryAfter} s` : 'wait a minute';
    const more = token ? 'ask the operator for a higher tier' : 'sign in (accounts get their own limit)';
    return `Too many requests: ${wait} and try again, or ${more} for more requests per minute.`;
  }
  return message || String(error);
}

/** @param {unknown} error */
function notify(error) {
  const notice = $('notice');
  notice.textContent = explain(error);
  notice.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

/**
 * @param {HTMLSelectElement} list
 * @param {{id: string, name: string, available?: boolean}[]} items
 * @param {(item: any) => string} [label]
 */
function fill(list, items, label = (item) => item.name) {
  const keep = list.value;
  for (const option of [...list.options]) if (option.value) option.remove();
  for (const item of items) {
    const option = new Option(label(item), item.id);
    option.disabled = item.available === false;
    list.add(option);
  }
  if ([...list.options].some((o) => o.value === keep)) list.value = keep;
}

async function loadCatalogues() {
  const auth = { token: token || undefined };
  const [avatars, personas, voices, models, stt] = await Promise.allSettled([
    api(base, '/v1/avatars', auth),
    api(base, '/v1/personas', auth),
    api(base, '/v1/tts/voices', auth),
    api(base, '/v1/models', auth),
    api(base, '/v1/stt/models', auth),
  ]);
  if (avatars.status === 'fulfilled') fill(select('avatar'), avatars.value, (a) => `${a.name} — ${a.style}`);
  if (personas.status === 'fulfilled') fill(select('persona'), personas.value, (p) => `${p.name} (${p.vertical})`);
  if (voices.status === 'fulfilled') fill(select('voice'), voices.value, (v) => `${v.name} · ${v.provider}`);
  if (models.status === 'fulfilled') fill(select('model'), models.value, (m) => m.id);
  // Voice input is an extension a server may not have yet: its picker shows only when it answers.
  if (stt.status === 'fulfilled') {
    fill(select('stt'), stt.value, (m) => m.id);
    $('stt-label').hidden = false;
  }
  const failed = [avatars, personas, voices, models].find((r) => r.status === 'rejected');
  if (failed) notify(/** @type {PromiseRejectedResult} */ (failed).reason);
}

/** @param {string} newToken @param {string} who */
function signedIn(newToken, who) {
  token = newToken;
  $('who').textContent = who;
  /** @type {HTMLDetailsElement} */ ($('account')).open = false;
  /** @type {HTMLButtonElement} */ ($('start')).disabled = false;
  $('start-hint').textContent = 'Starting creates a conversation on your account.';
  clearNotice();
  loadCatalogues();
}

/** @param {'login' | 'register'} action */
async function account(action) {
  const email = input('email').value;
  const password = input('password').value;
  try {
    const data = await api(base, `/v1/auth/${action}`, { body: { email, password } });
    signedIn(data.token, `${data.user.email} · ${data.user.tier ?? 'free'}`);
  } catch (error) {
    notify(error);
  }
}

/** @param {{id?: string, role: string, content: string, interrupted?: boolean, metrics?: Record<string, number | null>}} message */
function show(message) {
  const list = $('transcript');
  if (message.id && list.querySelector(`[data-id="${CSS.escape(message.id)}"]`)) return;
  const item = document.createElement('li');
  item.className = message.role + (message.interrupted ? ' interrupted' : '');
  if (message.id) item.dataset.id = message.id;
  item.textContent = message.content;
  const metrics = Object.entries(message.metrics ?? {}).filter(([, value]) => value !== null && value !== undefined);
  if (metrics.length) {
    const line = document.createElement('span');
    line.className = 'metrics';
    line.textContent = metrics.map(([name, value]) => `${name.replace(/Ms$/, '')} ${value} ms`).join(' · ');
    item.append(line);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

/** @param {boolean} on */
function enableTalk(on) {
  for (const id of ['message', 'send', 'speak', 'mic', 'stop']) /** @type {HTMLInputElement} */ ($(id)).disabled = !on;
}

function startConversation() {
  avatar?.destroy();
  clearNotice();
  $('transcript').replaceChildren();
  $('stage').replaceChildren();
  enableTalk(false);
  $('state').textContent = 'Connecting…';
  const options = {
    apiKey: token,
    avatarId: select('avatar').value,
    personaId: select('persona').value || undefined,
    voiceId: select('voice').value || undefined,
    model: select('model').value || undefined,
  };
  const current = new Avatarium($('stage'), options);
  avatar = current;
  current.on('ready', ({ conversation }) => {
    for (const message of conversation.messages ?? []) show(message);
    $('state').textContent = 'Idle';
    enableTalk(true);
    input('message').focus();
  });
  current.on('stateChanged', (state) => {
    $('state').textContent = state[0].toUpperCase() + state.slice(1);
    $('mic').setAttribute('aria-pressed', String(state === 'listening'));
  });
  current.on('message', ({ message }) => show(message));
  current.on('transcript', ({ text }) => ($('state').textContent = `Heard: ${text}`));
  current.on('error', notify);
}

async function upload(/** @type {HTMLFormElement} */ form) {
  const result = $('upload-result');
  if (!token) {
    result.textContent = 'Sign in or paste an API key first: custom avatars belong to an account.';
    return;
  }
  result.textContent = 'Uploading…';
  try {
    const created = await api(base, '/v1/avatars', { body: new FormData(form), token });
    const missing = created.lipsync?.missing?.length ? `; missing: ${created.lipsync.missing.join(', ')}` : '';
    result.textContent = `Uploaded “${created.name}” (lip-sync from ${created.lipsync?.source ?? 'its morph targets'}${missing}).`;
    await loadCatalogues();
    select('avatar').value = created.id;
  } catch (error) {
    result.textContent = explain(error);
  }
}

function wire() {
  $('signin').addEventListener('submit', (event) => {
    event.preventDefault();
    account('login');
  });
  $('register').addEventListener('click', () => {
    if (/** @type {HTMLFormElement} */ ($('signin')).reportValidity()) account('register');
  });
  $('keyform').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input('apikey').value.trim();
    if (key) signedIn(key, `API key ${key.slice(0, 8)}…${key.slice(-4)}`);
  });
  $('setup').addEventListener('submit', (event) => {
    event.preventDefault();
    startConversation();
  });
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input('message').value.trim();
    if (!text || !avatar) return;
    input('message').value = '';
    avatar.send(text).catch(notify);
  });
  $('speak').addEventListener('click', () => {
    const text = input('message').value.trim();
    if (text && avatar) avatar.speak(text).catch(notify);
  });
  $('stop').addEventListener('click', () => avatar?.stop());
  $('mic').addEventListener('click', () => {
    if (!avatar) return;
    if ($('mic').getAttribute('aria-pressed') === 'true') avatar.stopListening();
    else avatar.startListening({ sttModel: select('stt').value || undefined }).catch(notify);
  });
  $('upload').addEventListener('submit', (event) => {
    event.preventDefault();
    upload(/** @type {HTMLFormElement} */ (event.target));
  });
}

wire();
loadCatalogues();
