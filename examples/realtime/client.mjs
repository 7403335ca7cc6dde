// A minimal realtime client: one conversation turn over the socket, as a browser page would hold it.
//
// The app's backend creates the conversation with its API key and hands the page only
// `wsUrl` and `clientToken`; here both steps run in one script for brevity:
//
//   node client.mjs --base-url http://127.0.0.1:8000 --api-key ak_... "Hello there!"
//
// Needs a global WebSocket: browsers, Node 22+, or Node 20 with --experimental-websocket.
// Prints the reply as it is written and one line per audio clip; exits 1 on an `error` event.
// The protocol: docs/realtime.md.

import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: {
    "base-url": { type: "string", default: "http://127.0.0.1:8000" },
    "api-key": { type: "string" },
    avatar: { type: "string", default: "kai" },
  },
  allowPositionals: true,
});

/** The backend's part: create the conversation, keep the API key on the server. */
async function createConversation(baseUrl, apiKey, avatarId) {
  const response = await fetch(`${baseUrl.replace(/\/$/, "")}/v1/conversations`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ avatarId }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`could not create a conversation: ${body.error.message}`);
  return body.data;
}

/** The page's part: one turn over the socket, with the client token only. */
function talk({ wsUrl, clientToken }, text) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(clientToken)}`);
    let code = 1;
    ws.onmessage = (frame) => {
      const event = JSON.parse(frame.data);
      if (event.type === "ready") {
        ws.send(JSON.stringify({ type: "message", content: text }));
      } else if (event.type === "reply.delta") {
        process.stdout.write(event.text);
      } else if (event.type === "audio") {
        const bytes = Buffer.from(event.data, "base64").length;
        console.log(`\n[audio ${event.seq}: ${event.durationMs} ms, ${event.visemes.length} visemes, ${bytes} bytes]`);
      } else if (event.type === "reply.done") {
        const metrics = event.message.metrics ?? {};
        console.log(`\n[done: first text ${metrics.ttftMs} ms, first audio ${metrics.ttfaMs} ms]`);
        ws.send(JSON.stringify({ type: "end" }));
      } else if (event.type === "ended") {
        code = 0;
      } else if (event.type === "error") {
        console.error(`\nerror ${event.error.code}: ${event.error.message}`);
        ws.close();
      }
    };
    ws.onclose = (event) => {
      if (code !== 0) console.error(`the socket closed: ${event.code} ${event.reason}`);
      resolve(code);
    };
  });
}

const conversation = await createConversation(values["base-url"], values["api-key"], values.avatar);
process.exitCode = await talk(conversation, positionals.join(" "));
