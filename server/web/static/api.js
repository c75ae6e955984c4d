// The only module that talks to the server. Every request goes through
// call(METHOD, path) with a literal /v1 path so that a test can check each
// one against the API's OpenAPI document.

import { currentLang } from "./i18n.js";

const tokenKey = "relato.token";

export function token() {
  return sessionStorage.getItem(tokenKey) || "";
}

export function setToken(tok) {
  if (tok) sessionStorage.setItem(tokenKey, tok);
  else sessionStorage.removeItem(tokenKey);
}

// ApiError carries the problem+json body (RFC 9457) of a failed request.
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  // fieldErrors maps "filters.period" style names (location without "body.")
  // to their messages; the rest go under "".
  fieldErrors() {
    const out = {};
    for (const e of this.problem.errors || []) {
      const loc = (e.location || "").replace(/^body\./, "");
      (out[loc] ||= []).push(e.message);
    }
    return out;
  }
}

function url(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function send(method, path, opts = {}) {
  // Problems come back in the page's language (the server reads Accept-Language).
  const headers = { Authorization: `Bearer ${token()}`, Accept: "application/json, application/problem+json", "Accept-Language": currentLang() };
  let body;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const resp = await fetch(url(path, opts.query), { method, headers, body, signal: opts.signal });
  if (!resp.ok) {
    let problem = null;
    try { problem = await resp.json(); } catch { /* not JSON */ }
    if (resp.status === 401 && opts.onUnauthorized !== false) window.dispatchEvent(new CustomEvent("relato:unauthorized"));
    throw new ApiError(resp.status, problem);
  }
  return resp;
}

// call sends one API request and returns the parsed JSON (or null for 204).
export async function call(method, path, opts = {}) {
  const resp = await send(method, path, opts);
  if (resp.status === 204) return null;
  return resp.json();
}

// callPage returns a list and the total the server counted across its pages
// (the X-Total-Count header).
export async function callPage(method, path, opts = {}) {
  const resp = await send(method, path, opts);
  return { body: await resp.json(), total: Number(resp.headers.get("X-Total-Count") || 0) };
}

// callBlob returns the response body as a Blob and the file name the server
// proposes in Content-Disposition.
export async function callBlob(method, path, opts = {}) {
  const resp = await send(method, path, opts);
  const cd = resp.headers.get("Content-Disposition") || "";
  const m = /filename="([^"]+)"/.exec(cd);
  return { blob: await resp.blob(), name: m ? m[1] : "download" };
}

// callEvents reads a Server-Sent Events response, calling onEvent(name, data)
// for each event, until the stream ends or signal aborts. EventSource cannot
// send the Authorization header, so this reads the stream with fetch.
export async function callEvents(method, path, onEvent, opts = {}) {
  const resp = await send(method, path, opts);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = "message";
      const data = [];
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) {
        try { onEvent(name, JSON.parse(data.join("\n"))); } catch { /* ignore a malformed event */ }
      }
    }
  }
}
