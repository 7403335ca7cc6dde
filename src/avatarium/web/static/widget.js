// The one-tag embed: <script src="https://your-server/widget.js"></script> and
// <div id="avatarium-widget" data-avatar-id="kai" data-token-url="/my/token"></div>.
// It asks the page's own backend (data-token-url, POST) for {conversationId, clientToken}, then draws a
// talking avatar with a text box, a mic button and a transcript in an open shadow root, in a corner of
// the page. It uses only the SDK's public API.
(() => {
  const script = /** @type {HTMLScriptElement | null} */ (
    document.currentScript ?? document.querySelector('script[src$="/widget.js"]')
  );
  if (!script) return;
  const server = new URL('.', script.src);

  /** @param {string} tag @param {Record<string, string>} [attributes] @param {string} [text] */
  function element(tag, attributes = {}, text = '') {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  /**
   * Ask the site's backend for a conversation and its client token, or (with `conversationId`) for a
   * fresh token of that conversation once the first has expired.
   * @param {string} tokenUrl @param {string} avatarId @param {string} [conversationId]
   */
  async function fetchToken(tokenUrl, avatarId, conversationId) {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(conversationId ? { avatarId, conversationId } : { avatarId }),
    });
    if (!response.ok) throw new Error(`The token endpoint answered ${response.status}`);
    const body = await response.json();
    const data = body.data ?? body; // the site may pass the API's envelope through as it is
    if (!data.conversationId || !data.clientToken) throw new Error('The token endpoint gave no conversationId/clientToken');
    return /** @type {{conversationId: string, clientToken: string}} */ (data);
  }

  /** @param {HTMLElement} host */
  async function mount(host) {
    if (host.shadowRoot) return;
    const root = host.attachShadow({ mode: 'open' });
    root.append(element('link', { rel: 'stylesheet', href: new URL('widget.css', server).href }));
    const panel = element('section', { class: 'panel', 'aria-label': 'Talk to the avatar' });
    const stage = element('div', { class: 'stage' });
    const status = element('p', { class: 'status', role: 'status' }, 'Connecting…');
    const transcript = element('ol', { class: 'transcript', 'aria-live': 'polite', 'aria-label': 'Transcript' });
    const form = element('form', { class: 'composer' });
    const input = /** @type {HTMLInputElement} */ (
      element('input', { type: 'text', name: 'message', 'aria-label': 'Message', placeholder: 'Type a message…', maxlength: '4000', autocomplete: 'off' })
    );
    const sendButton = element('button', { type: 'submit', class: 'send' }, 'Send');
    const mic = element('button', { type: 'button', class: 'mic', 'aria-pressed': 'false', 'aria-label': 'Talk with the microphone' }, 'Mic');
    const stop = element('button', { type: 'button', class: 'stop', 'aria-label': 'Stop the avatar' }, '■');
    form.append(input, mic, stop, sendButton);
    panel.append(stage, status, transcript, form);
    root.append(panel);

    /** @param {string} role @param {string} text */
    const say = (role, text) => {
      const item = element('li', { class: role }, text);
      transcript.append(item);
      transcript.scrollTop = transcript.scrollHeight;
    };
    /** @param {unknown} error */
    const showError = (error) => {
      status.textContent = error instanceof Error ? error.message : String(error);
      status.classList.add('error');
    };

    const avatarId = host.dataset.avatarId ?? '';
    let avatar;
    try {
      const tokenUrl = host.dataset.tokenUrl ?? '';
      const credentials = await fetchToken(tokenUrl, avatarId);
      /** @param {string} conversationId */
      const getClientToken = async (conversationId) => (await fetchToken(tokenUrl, avatarId, conversationId)).clientToken;
      const { Avatarium } = await import(new URL('sdk/avatarium.js', server).href);
      avatar = new Avatarium(stage, { avatarId: avatarId || undefined, ...credentials, getClientToken, baseUrl: server.href });
    } catch (error) {
      showError(error);
      return;
    }
    avatar.on('ready', () => {
      status.textContent = 'Ready';
      status.classList.remove('error');
    });
    avatar.on('stateChanged', (/** @type {string} */ state) => {
      status.textContent = state[0].toUpperCase() + state.slice(1);
      status.classList.remove('error');
      mic.setAttribute('aria-pressed', String(state === 'listening'));
    });
    avatar.on('message', (/** @type {{message: {role: string, content: string}}} */ { message }) => say(message.role, message.content));
    avatar.on('error', (/** @type {{message: string}} */ error) => showError(error.message));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      avatar.send(text).catch(showError);
    });
    stop.addEventListener('click', () => avatar.stop());
    mic.addEventListener('click', () => {
      if (mic.getAttribute('aria-pressed') === 'true') avatar.stopListening();
      else avatar.startListening().catch(showError);
    });
  }

  const start = () => {
    for (const host of document.querySelectorAll('#avatarium-widget, [data-avatarium-widget]')) {
      mount(/** @type {HTMLElement} */ (host));
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
