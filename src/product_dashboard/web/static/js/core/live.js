// The live event stream: one WebSocket, authenticated by its first message, reconnecting.

import { tokenStore } from "./api.js";

const CHANNELS = ["jobs", "sync", "webhooks", "conflicts", "products", "system"];
const listeners = new Map(); // channel → Set<fn(event)>
const stateListeners = new Set();
let socket = null;
let state = "closed";
let retry = 0;
let retryTimer = null;
let wanted = false;

function setState(next) {
  state = next;
  for (const fn of stateListeners) fn(state);
}

function dispatch(message) {
  for (const key of [message.channel, "*"]) {
    for (const fn of listeners.get(key) || []) {
      try {
        fn(message);
      } catch (error) {
        console.warn("live listener failed", error);
      }
    }
  }
}

function connect() {
  const token = tokenStore.get();
  if (!token || socket) return;
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  setState("connecting");
  const ws = new WebSocket(`${scheme}://${window.location.host}/ws`);
  socket = ws;
  ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token })));
  ws.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "ready") {
      retry = 0;
      setState("open");
      ws.send(JSON.stringify({ type: "subscribe", channels: CHANNELS }));
    } else if (message.type === "lagged") {
      dispatch({ channel: "*", type: "lagged", data: message });
    } else if (message.channel) {
      dispatch(message);
    }
  });
  ws.addEventListener("close", (event) => {
    if (socket === ws) socket = null;
    setState("closed");
    if (!wanted || event.code === 4401) return;
    retry = Math.min(retry + 1, 6);
    retryTimer = setTimeout(connect, 500 * 2 ** retry);
  });
}

export const live = {
  start() {
    wanted = true;
    connect();
  },
  stop() {
    wanted = false;
    clearTimeout(retryTimer);
    if (socket) socket.close(1000, "bye");
    socket = null;
    setState("closed");
  },
  /** live.on("jobs", fn) → unsubscribe; "*" receives everything. */
  on(channel, fn) {
    if (!listeners.has(channel)) listeners.set(channel, new Set());
    listeners.get(channel).add(fn);
    return () => listeners.get(channel).delete(fn);
  },
  onState(fn) {
    stateListeners.add(fn);
    fn(state);
    return () => stateListeners.delete(fn);
  },
  get state() {
    return state;
  },
};
