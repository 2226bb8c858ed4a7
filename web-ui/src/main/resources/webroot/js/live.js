// Live feed: the SockJS event-bus bridge spoken over its raw WebSocket endpoint (no client library needed).
// The server only lets this session register on the live addresses of its own projects. A dropped connection
// (the UI node restarted or died) is opened again, with growing pauses, on the same address: behind a load
// balancer that reaches another UI node, where the session is valid too (clustered session store).
//
// Nothing stored while disconnected is lost: once the server confirms a registration (a "registered" frame), the
// page reads GET /api/live/missed after the last record id it knows of. That read starts after the registration
// is in effect, so between it and the feed there is no hole; a request in both is shown once (by id). Feed
// messages arriving meanwhile wait, so the missed requests come first, in the order they were stored.

import { api } from './api.js';

const PREFIX = 'bitville.live.requests.v1.';
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
/** The most missed requests one reconnection replays; beyond it the page says to reload. */
export const MISSED_LIMIT = 100;
const REPLAYED_IDS_KEPT = 1000;

/**
 * @param project the project whose requests are followed
 * @param missedFilters the list's own-column filters, applied by the server to the missed requests
 * @param handlers onRequest(item, replayed), onState(text), onGap({more, error})
 */
export function openLive(project, missedFilters, handlers) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const decoder = new TextDecoder();
  let socket = null;
  let ping = null;
  let retry = null;
  let retryMs = FIRST_RETRY_MS;
  let stopped = false;
  let lastId = null; // the newest stored id this page has covered (the feed's or a missed read's)
  let held = null; // feed messages that arrive while the missed requests are read
  let catchUps = 0; // missed reads asked for and not finished (a reconnection during one asks for another)
  let chain = Promise.resolve();
  const replayed = new Set();
  const replayedOrder = [];

  function remember(id) {
    replayed.add(id);
    replayedOrder.push(id);
    if (replayedOrder.length > REPLAYED_IDS_KEPT) replayed.delete(replayedOrder.shift());
  }

  function deliver(item) {
    if (replayed.has(item.id)) return;
    if (lastId === null || item.id > lastId) lastId = item.id;
    handlers.onRequest(item, false);
  }

  function registered() {
    if (!held) held = [];
    catchUps += 1;
    chain = chain.then(catchUp);
  }

  async function catchUp() {
    const reconnect = lastId !== null;
    handlers.onState(reconnect ? 'catching up' : 'connecting');
    try {
      const answer = await api.get('/api/live/missed', { ...missedFilters, project,
        after_id: reconnect ? lastId : null, limit: MISSED_LIMIT });
      if (stopped) return;
      for (const item of answer.items) {
        remember(item.id);
        handlers.onRequest(item, true);
      }
      if (lastId === null || answer.last_id > lastId) lastId = answer.last_id;
      if (answer.more) handlers.onGap({ more: true });
    } catch (e) {
      if (stopped) return;
      if (reconnect) handlers.onGap({ error: e.message });
    }
    catchUps -= 1;
    if (catchUps > 0 || stopped) return;
    const waiting = held;
    held = null;
    waiting.forEach(deliver);
    handlers.onState('connected');
  }

  function retryLater() {
    handlers.onState('reconnecting');
    retry = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  function connect() {
    try {
      socket = new WebSocket(scheme + '//' + location.host + '/eventbus/websocket');
    } catch (e) {
      retryLater(); // refused before any connection (e.g. by the browser): tried again like a dropped one
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS;
      socket.send(JSON.stringify({ type: 'register', address: PREFIX + project }));
      ping = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 20000);
    });
    socket.addEventListener('message', (event) => {
      const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data);
      let frame;
      try { frame = JSON.parse(text); } catch (e) { return; }
      if (frame.type === 'registered' && frame.address === PREFIX + project) registered();
      if (frame.type === 'rec' && frame.body && frame.body.project === project) {
        if (held) held.push(frame.body); else deliver(frame.body);
      }
      if (frame.type === 'err') {
        stopped = true;
        handlers.onState('refused');
        socket.close();
      }
    });
    socket.addEventListener('close', () => {
      clearInterval(ping);
      if (stopped) return;
      retryLater();
    });
  }

  connect();
  return {
    close: () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      if (socket) socket.close();
    },
  };
}
