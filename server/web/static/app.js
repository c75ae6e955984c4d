// relato web pages: sign-in, Relatórios (runs list and the generate
// dialog), the result view with its chart, and Agendamentos (schedules list
// and the create/edit form with its destinations).
// Plain DOM, no framework; all server access is in api.js.
import { call, callPage, callBlob, callEvents, token, setToken, ApiError } from "./api.js";
import { t, currentLang, setLang, languages, statusLabel, categoryLabel } from "./i18n.js";

const terminal = new Set(["finished", "failed", "canceled"]);
const main = document.getElementById("main");
const top = document.getElementById("top");
const dialog = document.getElementById("generate-dialog");

// h builds an element: h("button", {class: "x", onclick: fn}, "text", child…).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// toast shows a short notice for 4 s. A notice of a run's status names the
// run ({id, status, title}) so that followToast keeps it true.
function toast(msg, run) {
  const el = document.getElementById("toast");
  el.textContent = msg;
  el.classList.add("show");
  toast.run = run ? { ...run } : null;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.classList.remove("show");
    toast.run = null;
    // Emptied once faded out, so no old notice stays in the live region.
    toast.timer = setTimeout(() => { el.textContent = ""; }, 300);
  }, 4000);
}

// followToast is told every run status the page learns (list, view): a
// notice about that run says its new status instead of the old one.
function followToast(run) {
  const r = toast.run;
  if (!r || r.id !== run.id || r.status === run.status) return;
  toast(`${r.title}: ${statusLabel(run.status)}`, { ...r, status: run.status });
}

function errorText(err) {
  if (err instanceof ApiError) {
    const details = (err.problem.errors || []).map((e) => e.message).join("; ");
    return details ? `${err.message}: ${details}` : err.message;
  }
  return `${t("genericError")}: ${err.message || err}`;
}

// ---- formatting -----------------------------------------------------------

function pad(n) { return String(n).padStart(2, "0"); }

// fmtDate shows a calendar date "YYYY-MM-DD" in the page's language.
function fmtDate(ymd) {
  const [y, m, d] = ymd.split("-");
  return currentLang() === "pt-BR" ? `${d}/${m}/${y}` : `${y}-${m}-${d}`;
}

function fmtDateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString(currentLang(), { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

function previousDay(ymd) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

// fmtPeriod shows a resolved period "from/to" (RFC 3339 in the tenant's zone,
// end exclusive): whole days as "01/03/2024 – 07/03/2024", else with times.
function fmtPeriod(resolved) {
  if (!resolved || typeof resolved !== "string" || !resolved.includes("/")) return resolved || "";
  const [from, to] = resolved.split("/");
  const fd = from.slice(0, 10), ft = from.slice(11, 16), td = to.slice(0, 10), tt = to.slice(11, 16);
  if (ft === "00:00" && tt === "00:00") {
    const last = previousDay(td);
    return last === fd ? fmtDate(fd) : `${fmtDate(fd)} – ${fmtDate(last)}`;
  }
  return `${fmtDate(fd)} ${ft} – ${fmtDate(td)} ${tt}`;
}

function resolvedFilters(run) {
  const r = run.filters_resolved;
  if (r && typeof r === "object") return r;
  try { return JSON.parse(r || "{}"); } catch { return {}; }
}

function fmtNumber(v, digits, grouping = true) {
  const n = Number(v);
  if (!isFinite(n)) return v;
  return n.toLocaleString(currentLang(), { maximumFractionDigits: digits, useGrouping: grouping });
}

// fmtCell shows a result value by its column type; empty stays empty. col is
// the column from the rows API: its decimals (the places the API rounded to)
// and identifier (ids and codes, never grouped: 1000000396689).
function fmtCell(v, type, col = {}) {
  if (v === null || v === undefined) return "";
  const places = (fallback) => (typeof col.decimals === "number" ? col.decimals : fallback);
  switch (type) {
    case "percent": return `${fmtNumber(v, places(2))} %`;
    case "number": return fmtNumber(v, places(2));
    case "duration": return `${fmtNumber(v, 1)} s`;
    case "int": return fmtNumber(v, 0, !col.identifier);
    case "bool": return v === true || v === "true" || v === "1" ? t("yes") : t("no");
    case "date": return /^\d{4}-\d{2}-\d{2}$/.test(v) ? fmtDate(v) : v;
    case "datetime": {
      // Values come in the tenant's zone as "YYYY-MM-DD hh:mm:ss"; every cell
      // keeps its seconds, :00 too, so a column reads in one form.
      const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?/.exec(v);
      if (!m) return v;
      return `${fmtDate(m[1])} ${m[2]}${m[3] || ":00"}`;
    }
    default: return v;
  }
}

const numericTypes = new Set(["int", "number", "percent", "duration"]);

// ---- app state and routing --------------------------------------------------

const state = {
  canSeeAll: false,
  scope: localStorage.getItem("relato.scope") === "all" ? "all" : "mine",
  dialect: localStorage.getItem("relato.dialect") || "", // a CSV format's id, "" = the language's default; see currentDialect
  formats: null, // output formats (GET /v1/formats) in the current language
  runs: [],
  next: "",
  pollTimer: 0,
  viewAbort: null,
  reports: null, // catalog in the current language
  schedules: [],
  pendingRuns: new Map(), // schedule id → run started with "Executar agora"
  pendingStates: new Map(), // schedule id → its delivery state
  purposes: new Map(), // run id → the purpose given when generating it (LGPD), sent again with its downloads
  notifyRuns: new Set(), // run ids whose end shows a browser notification
  total: 0, // runs matching the list's filters
  requesters: new Map(), // user id → name, from the runs seen, for the requester filter
};

function route() {
  const hash = location.hash || "#/runs";
  const m = /^#\/runs\/([A-Za-z0-9_-]+)$/.exec(hash);
  if (m) return { page: "view", id: m[1] };
  if (hash === "#/schedules") return { page: "schedules" };
  const s = /^#\/schedules\/([A-Za-z0-9_-]+)$/.exec(hash);
  if (s) return { page: "schedule-form", id: s[1] === "new" ? "" : s[1] };
  return { page: "runs" };
}

function stopPage() {
  clearTimeout(state.pollTimer);
  state.pollTimer = 0;
  if (state.viewAbort) state.viewAbort.abort();
  state.viewAbort = null;
}

async function render() {
  stopPage();
  document.documentElement.lang = currentLang();
  if (!token()) {
    renderSignIn();
    return;
  }
  const r = route();
  renderTop(r.page);
  if (r.page === "view") await renderView(r.id);
  else if (r.page === "schedules") await renderSchedules();
  else if (r.page === "schedule-form") await renderScheduleForm(r.id);
  else await renderRuns();
}

function languagePicker() {
  const sel = h("select", { id: "lang", onchange: (e) => { setLang(e.target.value); state.reports = null; state.formats = null; render(); } },
    languages.map((l) => h("option", { value: l, selected: l === currentLang() }, l === "pt-BR" ? "Português (BR)" : "English")));
  return h("label", {}, `${t("language")} `, sel);
}

function renderTop(page) {
  const tab = (href, key, name) => h("li", {}, h("a", { href, "aria-current": page === name || (name === "runs" && page === "view") || (name === "schedules" && page === "schedule-form") ? "page" : null }, t(key)));
  top.replaceChildren(
    h("span", { class: "brand" }, "relato"),
    h("nav", { "aria-label": "principal" }, h("ul", {}, tab("#/runs", "tabReports", "runs"), tab("#/schedules", "tabSchedules", "schedules"))),
    h("span", { class: "spacer" }),
    languagePicker(),
    h("button", { id: "sign-out", type: "button", onclick: signOut }, t("signOut")),
  );
}

function signOut() {
  setToken("");
  state.runs = [];
  state.reports = null;
  location.hash = "#/runs";
  render();
}

window.addEventListener("relato:unauthorized", () => {
  if (token()) {
    setToken("");
    render();
  }
});
window.addEventListener("hashchange", render);

// ---- sign-in ----------------------------------------------------------------

function renderSignIn() {
  top.replaceChildren(h("span", { class: "brand" }, "relato"), h("span", { class: "spacer" }), languagePicker());
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "token-help signin-error" });
  const err = h("p", { id: "signin-error", class: "form-error", role: "alert" });
  const form = h("form", { id: "signin-form", class: "card signin", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    setToken(input.value.trim());
    try {
      await call("GET", "/v1/reports", { query: { lang: currentLang() }, onUnauthorized: false });
      render();
    } catch (ex) {
      setToken("");
      err.textContent = ex instanceof ApiError && ex.status === 401 ? t("badToken") : errorText(ex);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  } },
    h("h1", {}, t("signInTitle")),
    h("div", { class: "field" }, h("label", { for: "token" }, t("tokenLabel")), input, h("p", { id: "token-help", class: "hint" }, t("tokenHelp"))),
    err,
    h("div", { class: "form-actions" }, h("button", { class: "primary", type: "submit", id: "sign-in" }, t("signIn"))),
  );
  main.replaceChildren(form);
  input.focus();
}

// ---- Relatórios -------------------------------------------------------------

async function catalog() {
  if (!state.reports) {
    const out = await call("GET", "/v1/reports", { query: { lang: currentLang() } });
    state.reports = out.reports;
  }
  return state.reports;
}

// formats lists the server's output formats (csv, csv-excel, xlsx, …) with
// labels in the page's language, fetched once per language.
async function formats() {
  if (!state.formats) {
    const out = await call("GET", "/v1/formats", { query: { lang: currentLang() } });
    state.formats = out.formats;
  }
  return state.formats;
}

// The CSV formats are dialects of one "CSV" download and share its picker;
// every other format gets a download button of its own, named by its extension.
const csvFormats = () => (state.formats || []).filter((f) => f.extension === ".csv");
const fileFormats = () => (state.formats || []).filter((f) => f.extension !== ".csv");
const formatName = (f) => f.extension.replace(/^\./, "").toUpperCase();

function formatLabel(id) {
  const f = (state.formats || []).find((x) => x.id === id);
  return f ? f.label : id;
}

// defaultCSV is the CSV a person gets unless they choose: in Portuguese the
// pt-BR Excel dialect (the comma CSV opens as one column in Brazilian Excel).
const defaultCSV = () => (currentLang() === "pt-BR" ? "csv-excel" : "csv");

// currentDialect is the chosen CSV format, or the language's default when
// there is no choice or the saved one is no longer offered.
function currentDialect() {
  const list = csvFormats();
  if (list.some((f) => f.id === state.dialect)) return state.dialect;
  const def = defaultCSV();
  return list.some((f) => f.id === def) ? def : list.length ? list[0].id : "csv";
}

// queueText says where a waiting run stands ("2º na fila da carteira Vendas,
// aguardando Nível de Serviço (NS)"); "" for a run that is not waiting.
function queueText(run) {
  const q = run.queue;
  if (!q || run.status !== "waiting") return "";
  const line = q.shared_by === "wallet" ? t("queueOfWallet", q.wallet_name || q.wallet) : t("queueOfReport");
  if (!q.waiting_for) return t("queueNext", line);
  return t("queueBehind", q.position, line, titleOf(q.waiting_for));
}

// fmtElapsed is the time since iso as h:mm:ss or m:ss.
function fmtElapsed(iso) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

// progressText is "12.345 · 0:42" for a processing run: rows so far and time elapsed.
function progressText(run) {
  if (run.status !== "processing") return "";
  const parts = [];
  if (run.rows_so_far !== undefined && run.rows_so_far !== null) parts.push(fmtNumber(run.rows_so_far, 0));
  if (run.started_at) parts.push(fmtElapsed(run.started_at));
  return parts.join(" · ");
}

function titleOf(run) {
  const r = (state.reports || []).find((x) => x.id === run.report);
  return r ? r.title : run.title || run.report;
}

async function probeScope() {
  try {
    await call("GET", "/v1/runs", { query: { scope: "all", limit: 1 } });
    state.canSeeAll = true;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
    state.canSeeAll = false;
    state.scope = "mine";
  }
}

// The list's filters live in the URL (#/runs?report=…&status=…&user=…&from=…&to=…),
// so a reload or a shared link shows the same narrowed list.
const runFilterNames = ["report", "status", "user", "from", "to"];

function runFilters() {
  const i = location.hash.indexOf("?");
  const q = new URLSearchParams(i < 0 ? "" : location.hash.slice(i + 1));
  return Object.fromEntries(runFilterNames.map((n) => [n, q.get(n) || ""]));
}

function setRunFilter(name, value) {
  const f = { ...runFilters(), [name]: value };
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
  location.hash = q.toString() ? `#/runs?${q}` : "#/runs";
}

function runsQuery(extra = {}) {
  const f = runFilters();
  if (state.scope !== "all") f.user = "";
  return { scope: state.scope, ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)), lang: currentLang(), ...extra };
}

async function loadRuns(append) {
  const out = await call("GET", "/v1/runs", { query: runsQuery({ limit: 50, cursor: append ? state.next : "" }) });
  state.runs = append ? state.runs.concat(out.runs) : out.runs;
  state.next = out.next || "";
  state.total = out.total ?? state.runs.length;
  for (const r of state.runs) if (r.user_name) state.requesters.set(r.user_id, r.user_name);
}

// runFiltersBar narrows the list: report, status, requester (managers), requested between.
function runFiltersBar() {
  const f = runFilters();
  const sel = (name, label, options) => h("label", {}, `${label} `, h("select", { id: `filter-${name}`, onchange: (e) => setRunFilter(name, e.target.value) },
    h("option", { value: "" }, t("filterAny")), ...options.map(([v, l]) => h("option", { value: v, selected: v === f[name] }, l))));
  const date = (name, label) => h("label", {}, `${label} `, h("input", { id: `filter-${name}`, type: "date", value: f[name], onchange: (e) => setRunFilter(name, e.target.value) }));
  const reports = (state.reports || []).map((r) => [r.id, r.title]).sort((a, b) => a[1].localeCompare(b[1]));
  const statuses = ["waiting", "processing", "finished", "failed", "canceled"].map((s) => [s, statusLabel(s)]);
  if (f.user && !state.requesters.has(f.user)) state.requesters.set(f.user, f.user);
  const users = [...state.requesters].sort((a, b) => a[1].localeCompare(b[1]));
  return h("div", { class: "toolbar filters", id: "runs-filters", role: "search", "aria-label": t("filtersLabel") },
    sel("report", t("colName"), reports),
    sel("status", t("colStatus"), statuses),
    state.scope === "all" ? sel("user", t("requestedBy"), users) : null,
    date("from", t("filterFrom")),
    date("to", t("filterTo")),
    runFilterNames.some((n) => f[n]) ? h("button", { type: "button", id: "filters-clear", onclick: () => { location.hash = "#/runs"; } }, t("filtersClear")) : null,
    h("span", { class: "spacer" }),
    h("span", { id: "runs-total", "aria-live": "polite" }, t("runsTotal", state.total ?? 0)));
}

async function renderRuns() {
  main.replaceChildren(h("p", { class: "loading" }, "…"));
  try {
    await Promise.all([catalog(), probeScope(), formats()]);
    await loadRuns(false);
  } catch (e) {
    main.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  const scopeButton = (scope, key) => h("button", { type: "button", id: `scope-${scope}`, "aria-pressed": String(state.scope === scope), onclick: async () => {
    state.scope = scope;
    localStorage.setItem("relato.scope", scope);
    await loadRuns(false);
    renderRuns();
  } }, t(key));
  const toolbar = h("div", { class: "toolbar" },
    h("h1", {}, t("tabReports")),
    state.canSeeAll ? h("div", { class: "segmented", role: "group", "aria-label": t("scopeLabel") }, scopeButton("all", "scopeAll"), scopeButton("mine", "scopeMine")) : null,
    h("span", { class: "spacer" }),
    dialectPicker("dialect"),
    h("button", { type: "button", class: "primary", id: "generate", onclick: openGenerate }, t("generate")),
  );
  const tbody = h("tbody", { id: "runs-body" });
  const table = h("div", { class: "table-wrap" }, h("table", { id: "runs-table" },
    h("caption", { class: "visually-hidden" }, t(state.scope === "all" ? "scopeAll" : "scopeMine")),
    h("thead", {}, h("tr", {}, ["colName", "colStatus", "colUser", "colRequested", "colPeriod", "colRows", "colDetails", "colActions"].map((k) => h("th", { scope: "col", class: k === "colRows" ? "num" : null }, t(k))))),
    tbody));
  const more = h("button", { type: "button", id: "load-more", hidden: !state.next, onclick: async () => { await loadRuns(true); fillRuns(); } }, t("loadMore"));
  main.replaceChildren(toolbar, runFiltersBar(), table, h("div", { class: "pager" }, more));
  fillRuns();
}

function dialectPicker(id) {
  const chosen = currentDialect();
  return h("label", {}, `${t("dialect")} `, h("select", { id, onchange: (e) => { state.dialect = e.target.value; localStorage.setItem("relato.dialect", state.dialect); } },
    csvFormats().map((f) => h("option", { value: f.id, selected: f.id === chosen }, f.label))));
}

function fillRuns() {
  const tbody = document.getElementById("runs-body");
  if (!tbody) return;
  if (!state.runs.length) {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 8, class: "muted" }, t("noRuns"))));
  } else {
    tbody.replaceChildren(...state.runs.map(runRow));
  }
  for (const r of state.runs) followToast(r);
  const more = document.getElementById("load-more");
  if (more) more.hidden = !state.next;
  const total = document.getElementById("runs-total");
  if (total) total.textContent = t("runsTotal", state.total ?? 0);
  schedulePoll();
}

// runNames names a run's wallet, channel and event type as they were named
// when it was requested (filter_labels), the ids for runs recorded before.
function runNames(run) {
  const named = Object.fromEntries((run.filter_labels || []).map((f) => [f.name, f.value_label]));
  return [[t("wallet"), named.wallet ?? run.wallet], [t("channel"), named.channel ?? named.channels ?? run.channel], [t("eventType"), named.event_type ?? run.event_type]]
    .filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join(" · ");
}

function runRow(run) {
  const rf = resolvedFilters(run);
  const details = runNames(run);
  const name = h("td", { class: "run-name" }, h("div", {}, titleOf(run)), h("div", { class: "muted" }, run.report),
    run.error ? h("p", { class: "run-error" }, `${t("errorPrefix")}: ${run.error}`) : null);
  const rows = run.total_rows === undefined || run.total_rows === null ? progressText(run) : fmtNumber(run.total_rows, 0);
  const actions = h("div", { class: "actions" });
  if (run.status === "finished") {
    actions.append(
      h("a", { class: "button", href: `#/runs/${run.id}`, "aria-label": `${t("view")}: ${titleOf(run)}` }, t("view")),
      h("button", { type: "button", class: "download-csv", "aria-label": `${t("download")} CSV: ${titleOf(run)}`, onclick: () => download(run.id, currentDialect()) }, t("downloadCSV")),
      ...fileFormats().map((f) => h("button", { type: "button", class: `download-${f.id}`, "aria-label": `${t("download")} ${formatName(f)}: ${titleOf(run)}`, onclick: () => download(run.id, f.id) }, formatName(f))),
    );
  }
  if (!terminal.has(run.status)) {
    actions.append(h("button", { type: "button", class: "danger cancel", onclick: () => cancelRun(run.id) }, t("cancel")));
  }
  // data-label names the cell when narrow screens show rows as cards.
  const cell = (key, attrs, ...children) => h("td", { ...attrs, "data-label": t(key) }, ...children);
  return h("tr", { dataset: { runId: run.id, status: run.status } },
    name,
    cell("colStatus", {}, h("span", { class: `status status-${run.status}` }, statusLabel(run.status)), run.truncated ? h("p", { class: "muted" }, t("truncated")) : null,
      queueText(run) ? h("p", { class: "muted queue-place" }, queueText(run)) : null),
    cell("colUser", {}, run.user_name || run.user_id),
    cell("colRequested", {}, fmtDateTime(run.requested_at)),
    cell("colPeriod", {}, fmtPeriod(rf.period)),
    cell("colRows", { class: "num" }, rows),
    cell("colDetails", { class: details ? null : "empty" }, details),
    cell("colActions", {}, actions));
}

// schedulePoll refreshes the first page while any shown run is still
// waiting or processing, so statuses update without a reload.
function schedulePoll() {
  clearTimeout(state.pollTimer);
  if (!state.runs.some((r) => !terminal.has(r.status))) return;
  state.pollTimer = setTimeout(async () => {
    if (route().page !== "runs") return;
    try {
      const out = await call("GET", "/v1/runs", { query: runsQuery({ limit: 50 }) });
      state.total = out.total ?? state.total;
      const fresh = new Map(out.runs.map((r) => [r.id, r]));
      const known = new Set(state.runs.map((r) => r.id));
      state.runs = out.runs.filter((r) => !known.has(r.id)).concat(state.runs.map((r) => fresh.get(r.id) || r));
      fillRuns();
    } catch {
      schedulePoll();
    }
  }, 1000);
}

async function cancelRun(id) {
  if (!confirm(t("confirmCancel"))) return;
  try {
    const run = await call("POST", `/v1/runs/${id}/cancel`);
    state.runs = state.runs.map((r) => (r.id === id ? run : r));
    fillRuns();
  } catch (e) {
    toast(errorText(e));
  }
}

async function download(id, format) {
  try {
    const query = { format, lang: currentLang() };
    if (state.purposes.has(id)) query.purpose = state.purposes.get(id);
    const { blob, name } = await callBlob("GET", `/v1/runs/${id}/download`, { query });
    const a = h("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 60000);
  } catch (e) {
    toast(errorText(e));
  }
}

// ---- + Gerar relatório --------------------------------------------------------

// openGenerate opens "+ Gerar relatório"; seed ({report, filters}) fills it
// in, for "Duplicar e editar".
async function openGenerate(seed) {
  if (seed instanceof Event) seed = undefined;
  let reports;
  try {
    reports = await catalog();
  } catch (e) {
    toast(errorText(e));
    return;
  }
  const picker = templatePicker(reports, { prefix: "template", selected: seed?.report, onPick: (id) => pickTemplate(id, formArea) });
  const formArea = h("div", { id: "filter-area", "aria-live": "polite" }, h("p", { class: "muted" }, t("pickTemplate")));
  dialog.replaceChildren(
    h("div", { class: "dialog-head" }, h("h2", { id: "generate-title" }, t("generate").replace(/^\+\s*/, "")),
      h("button", { type: "button", id: "close-generate", "aria-label": t("close"), onclick: () => dialog.close() }, "✕")),
    h("div", { class: "dialog-body" }, picker.el, formArea));
  dialog.showModal();
  picker.search.focus();
  if (seed?.report) await pickTemplate(seed.report, formArea, seed.filters || {});
}

// templatePicker is the searchable, by-category list of reports used by
// "+ Gerar relatório" and the schedule form; ids start with prefix
// (prefix-search, prefix-list; the radios are named prefix).
function templatePicker(reports, { prefix, selected, onPick }) {
  const search = h("input", { id: `${prefix}-search`, type: "search", autocomplete: "off", "aria-controls": `${prefix}-list` });
  const list = h("div", { id: `${prefix}-list` });
  const fillList = () => {
    const q = search.value.trim().toLowerCase();
    const groups = new Map();
    for (const r of reports) {
      if (q && !`${r.title} ${r.id} ${categoryLabel(r.category)}`.toLowerCase().includes(q)) continue;
      if (!groups.has(r.category)) groups.set(r.category, []);
      groups.get(r.category).push(r);
    }
    const checked = list.querySelector("input:checked")?.value || selected;
    list.replaceChildren(...[...groups].map(([cat, rs]) => h("fieldset", {}, h("legend", {}, categoryLabel(cat)),
      rs.map((r) => h("label", {}, h("input", { type: "radio", name: prefix, value: r.id, checked: r.id === checked, onchange: () => onPick(r.id) }), " ", h("span", {}, r.title), h("span", { class: "id" }, r.id))))));
    if (!groups.size) list.append(h("p", { class: "muted" }, t("noTemplates")));
  };
  search.addEventListener("input", fillList);
  fillList();
  const el = h("div", { class: "picker", role: "group", "aria-labelledby": `${prefix}-picker-title` },
    h("div", { class: "field" }, h("label", { for: `${prefix}-search`, id: `${prefix}-picker-title` }, t("searchTemplates")), search),
    list);
  return { el, search, list };
}

const presets = [["today", "presetToday"], ["yesterday", "presetYesterday"], ["last_7_days", "presetLast7"], ["this_month", "presetThisMonth"], ["previous_month", "presetPrevMonth"], ["custom", "presetCustom"]];

async function pickTemplate(id, area, initial = {}) {
  let rep;
  try {
    rep = await call("GET", `/v1/reports/${id}`, { query: { lang: currentLang() } });
  } catch (e) {
    area.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  const fields = (rep.filters || []).map((f) => filterField(f, { initial: initial[f.name] }));
  const estimateLine = h("p", { id: "estimate-line", class: "hint", "aria-live": "polite" });
  const formError = h("p", { id: "form-error", class: "form-error", role: "alert" });
  // Reports with personal columns say so and take a purpose (issue 17).
  const personal = (rep.columns || []).some((c) => c.personal);
  const purpose = personal ? h("input", { id: "f-purpose", name: "purpose", type: "text", maxlength: 500, autocomplete: "off", "aria-describedby": "f-purpose-hint err-purpose" }) : null;
  // An e-mail to the requester when the run ends (issue 14), in the page's language.
  const notifyEmail = h("input", { id: "f-notify-email", name: "notify", type: "checkbox", value: "email", "aria-describedby": "err-notify" });
  const form = h("form", { id: "generate-form", novalidate: true, dataset: { report: rep.id }, onsubmit: (e) => { e.preventDefault(); submitGenerate(rep, fields, form, formError, purpose, notifyEmail); } },
    h("h3", {}, rep.title),
    h("p", { class: "description" }, rep.description),
    personal ? h("p", { class: "hint", id: "personal-note" }, t("personalNote")) : null,
    h("h4", {}, t("filters")),
    fields.map((f) => f.el),
    personal ? h("div", { class: "field" }, h("label", { for: "f-purpose" }, t("purpose")), purpose,
      h("p", { id: "f-purpose-hint", class: "hint" }, t("purposeHint")), h("p", { id: "err-purpose", class: "field-error", role: "alert" })) : null,
    h("div", { class: "field" }, h("label", { class: "inline", for: "f-notify-email" }, notifyEmail, ` ${t("notifyEmail")}`),
      h("p", { id: "err-notify", class: "field-error", role: "alert" })),
    formError,
    estimateLine,
    h("div", { class: "form-actions" },
      h("button", { type: "button", onclick: () => dialog.close() }, t("close")),
      h("button", { type: "button", id: "estimate", onclick: () => estimateGenerate(rep, fields, estimateLine) }, t("estimate")),
      h("button", { type: "submit", class: "primary", id: "submit-generate" }, t("submit"))));
  area.replaceChildren(form);
}

// filterField builds the input for one filter of the report's schema and
// returns {name, el, value(), setError(msgs)}.
// opts: prefix of the ids (default "f", errors "err-…"), the period presets
// offered and the one chosen by default, and an initial value (editing).
function filterField(f, opts = {}) {
  const prefix = opts.prefix || "f";
  const id = `${prefix}-${f.name}`;
  const errId = prefix === "f" ? `err-${f.name}` : `${prefix}-err-${f.name}`;
  const initial = opts.initial;
  const err = h("p", { id: errId, class: "field-error", role: "alert" });
  const hints = [];
  hints.push(f.required ? t("required") : t("optional"));
  if (f.default !== undefined && f.default !== null && f.default !== "") hints.push(`${t("defaultIs")}: ${f.default}`);
  if (f.max_span) hints.push(`${t("maxSpan")} ${f.max_span}`);
  const schema = f.schema || {};
  const item = schema.type === "array" ? schema.items || {} : schema;
  const enumValues = f.values && f.values.length ? f.values : item.enum;
  let control, value, inputs;
  const describedBy = `${id}-hint ${errId}`;

  if (f.type === "period") {
    const choices = opts.presets || presets;
    const preset = h("select", { id: `${id}-preset`, "aria-describedby": describedBy }, choices.map(([v, k]) => h("option", { value: v, selected: v === (opts.defaultPreset || "last_7_days") }, t(k))));
    const from = h("input", { type: "date", id: `${id}-from`, "aria-describedby": describedBy });
    const to = h("input", { type: "date", id: `${id}-to`, "aria-describedby": describedBy });
    if (typeof initial === "string" && initial) {
      const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(initial);
      if (m) {
        preset.value = "custom";
        from.value = m[1];
        to.value = m[2];
      } else {
        // A relative period this form does not offer (this_week…) stays as it is.
        if (!choices.some(([v]) => v === initial)) preset.prepend(h("option", { value: initial }, initial));
        preset.value = initial;
      }
    }
    const custom = () => { preset.value = "custom"; };
    from.addEventListener("input", custom);
    to.addEventListener("input", custom);
    control = h("fieldset", { id }, h("legend", {}, f.label || f.name),
      h("div", { class: "period-row" },
        h("label", {}, t("presetPick"), preset),
        h("label", {}, t("from"), from),
        h("label", {}, t("to"), to)));
    inputs = [preset, from, to];
    value = () => {
      if (preset.value !== "custom") return preset.value;
      if (!from.value && !to.value) return undefined;
      return `${from.value}..${to.value || from.value}`;
    };
    return finish(control, true);
  }
  if (item["x-lookup"]) {
    // Wallets, users, channels…: a searchable picker that shows names and sends ids.
    const picker = lookupPicker({ id, kind: item["x-lookup"], multiple: f.multiple, numeric: item.type === "integer", describedBy, initial });
    hints.push(t(f.multiple ? "lookupHintMany" : "lookupHintOne"));
    inputs = [picker.input];
    value = picker.value;
    control = picker.el;
  } else if (enumValues && enumValues.length) {
    const sel = h("select", { id, name: f.name, multiple: f.multiple, "aria-describedby": describedBy },
      f.multiple ? null : h("option", { value: "" }, f.default !== undefined && f.default !== null ? `${t("defaultIs")}: ${f.default}` : t("any")),
      enumValues.map((v) => h("option", { value: v, selected: Array.isArray(initial) ? initial.map(String).includes(String(v)) : initial !== undefined && String(initial) === String(v) }, v)));
    inputs = [sel];
    value = () => {
      if (f.multiple) {
        const vs = [...sel.selectedOptions].map((o) => o.value);
        return vs.length ? vs : undefined;
      }
      return sel.value || undefined;
    };
    control = sel;
  } else if (f.type === "bool" || item.type === "boolean") {
    const sel = h("select", { id, name: f.name, "aria-describedby": describedBy }, h("option", { value: "" }, t("any")), h("option", { value: "true" }, t("yes")), h("option", { value: "false" }, t("no")));
    if (typeof initial === "boolean") sel.value = String(initial);
    inputs = [sel];
    value = () => (sel.value === "" ? undefined : sel.value === "true");
    control = sel;
  } else {
    const numeric = item.type === "integer" || item.type === "number";
    let type = "text";
    if (!f.multiple && numeric) type = "number";
    if (!f.multiple && f.type === "date") type = "date";
    if (!f.multiple && f.type === "datetime") type = "datetime-local";
    const input = h("input", { id, name: f.name, type, step: type === "number" && item.type === "number" ? "any" : null, min: item.minimum, placeholder: f.default ?? (item.examples ? item.examples[0] : null), "aria-describedby": describedBy, autocomplete: "off" });
    if (f.multiple) hints.push(t("commaList"));
    if (initial !== undefined && initial !== null) input.value = Array.isArray(initial) ? initial.join(", ") : String(initial);
    inputs = [input];
    const one = (s) => (numeric && s !== "" && !isNaN(Number(s)) ? Number(s) : s);
    value = () => {
      const s = input.value.trim();
      if (!s) return undefined;
      if (f.multiple) return s.split(",").map((x) => x.trim()).filter(Boolean).map(one);
      return one(s);
    };
    control = input;
  }
  return finish(h("label", { for: id }, f.label || f.name), false);

  function finish(labelOrFieldset, isFieldset) {
    const hint = h("p", { id: `${id}-hint`, class: "hint" }, hints.join(" · "));
    const el = isFieldset
      ? h("div", { class: "field", dataset: { filter: f.name } }, labelOrFieldset, hint, err)
      : h("div", { class: "field", dataset: { filter: f.name } }, labelOrFieldset, control, hint, err);
    return {
      name: f.name,
      el,
      value,
      focus: () => inputs[0].focus(),
      setError(msgs) {
        err.textContent = msgs ? msgs.join("; ") : "";
        for (const i of inputs) i.setAttribute("aria-invalid", msgs ? "true" : "false");
      },
    };
  }
}

// lookupPicker is the searchable picker of a lookup filter (WAI-ARIA
// combobox with a listbox popup): typing searches GET /v1/lookups/{kind} on
// the server, a page at a time; the chosen values show as names (chips, each
// with a remove button) and value() returns their ids (numbers for numeric
// ids), one or a list as multiple says. Keys: ↓/↑ move, Enter picks, Escape
// closes, Backspace in the empty box removes the last chosen value.
// initial: the saved id or ids, whose names are fetched.
function lookupPicker({ id, kind, multiple, numeric, describedBy, initial }) {
  const pageSize = 20;
  const listId = `${id}-list`;
  let chosen = []; // [{value, label}]
  let options = []; // what the list shows: [{value, label}]
  let total = 0;
  let active = -1;
  let query = "";
  let seq = 0; // answers to older searches are dropped
  let timer;
  const input = h("input", {
    id, type: "text", role: "combobox", autocomplete: "off", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": listId, "aria-describedby": `${id}-chosen ${describedBy}`, placeholder: t("lookupSearch"),
  });
  const chips = h("ul", { id: `${id}-chosen`, class: "lookup-chosen", "aria-label": t("lookupChosen") });
  const list = h("ul", { id: listId, role: "listbox", class: "lookup-list", "aria-multiselectable": multiple ? "true" : null, hidden: true });
  const status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const el = h("div", { class: "lookup", dataset: { lookup: kind } }, chips, input, list, status);

  const isChosen = (v) => chosen.some((c) => c.value === v);
  function drawChips() {
    chips.replaceChildren(...chosen.map((c) => h("li", { dataset: { value: c.value } },
      h("span", { class: "lookup-name" }, c.label),
      h("button", { type: "button", class: "lookup-remove", "aria-label": t("lookupRemove", c.label), onclick: () => { remove(c.value); input.focus(); } }, "✕"))));
  }
  function remove(v) {
    chosen = chosen.filter((c) => c.value !== v);
    drawChips();
    drawList();
  }
  function pick(o) {
    if (multiple) {
      if (isChosen(o.value)) remove(o.value);
      else chosen.push(o);
    } else {
      chosen = [o];
    }
    drawChips();
    if (multiple) {
      drawList();
      status.textContent = t("lookupPicked", o.label);
    } else {
      close();
      input.value = "";
      status.textContent = t("lookupPicked", o.label);
    }
  }
  function optionId(i) { return `${id}-opt-${i}`; }
  function drawList() {
    const items = options.map((o, i) => h("li", {
      id: optionId(i), role: "option", "aria-selected": String(isChosen(o.value)), class: i === active ? "active" : null, dataset: { value: o.value },
      onmousedown: (e) => { e.preventDefault(); pick(o); },
    }, h("span", {}, o.label), o.label !== o.value ? h("span", { class: "id" }, o.value) : null));
    if (options.length < total) {
      items.push(h("li", { id: optionId(options.length), role: "option", "aria-selected": "false", class: `lookup-more${active === options.length ? " active" : ""}`,
        onmousedown: (e) => { e.preventDefault(); more(); } }, t("lookupMore", options.length, total)));
    }
    if (!items.length) items.push(h("li", { class: "muted", role: "presentation" }, t("lookupNone")));
    list.replaceChildren(...items);
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", optionId(active));
      document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }
  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  async function fetchPage(offset) {
    const mine = ++seq;
    const { body, total: n } = await callPage("GET", `/v1/lookups/${kind}`, { query: { lang: currentLang(), q: query, limit: pageSize, offset } });
    if (mine !== seq) return null;
    total = n;
    return body;
  }
  async function search() {
    query = input.value.trim();
    try {
      const page = await fetchPage(0);
      if (!page) return;
      options = page;
      active = -1;
      open();
      drawList();
      status.textContent = t("lookupCount", total);
    } catch (e) {
      list.replaceChildren(h("li", { class: "form-error", role: "presentation" }, errorText(e)));
      open();
    }
  }
  async function more() {
    try {
      const page = await fetchPage(options.length);
      if (!page) return;
      active = options.length;
      options = options.concat(page);
      drawList();
    } catch (e) {
      toast(errorText(e));
    }
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("focus", () => { if (list.hidden) search(); });
  input.addEventListener("blur", () => setTimeout(close, 150));
  // An Enter that picked must not also submit the form: some key sources
  // send its keypress apart from the keydown.
  let pickedByEnter = false;
  input.addEventListener("keypress", (e) => {
    if (e.key === "Enter" && pickedByEnter) e.preventDefault();
  });
  input.addEventListener("keyup", (e) => { if (e.key === "Enter") pickedByEnter = false; });
  input.addEventListener("keydown", (e) => {
    const last = options.length < total ? options.length : options.length - 1;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (list.hidden) { search(); return; }
        active = Math.min(active + 1, last);
        drawList();
        break;
      case "ArrowUp":
        e.preventDefault();
        active = Math.max(active - 1, 0);
        drawList();
        break;
      case "Enter":
        if (list.hidden || active < 0) return;
        e.preventDefault();
        pickedByEnter = true;
        if (active === options.length) more();
        else pick(options[active]);
        break;
      case "Escape":
        if (!list.hidden) { e.preventDefault(); e.stopPropagation(); close(); }
        break;
      case "Backspace":
        if (input.value === "" && chosen.length) remove(chosen[chosen.length - 1].value);
        break;
    }
  });

  // Saved values come as ids: show them, then their names.
  const saved = (Array.isArray(initial) ? initial : initial === undefined || initial === null || initial === "" ? [] : [initial]).map(String);
  if (saved.length) {
    chosen = saved.map((v) => ({ value: v, label: v }));
    drawChips();
    call("GET", `/v1/lookups/${kind}`, { query: { lang: currentLang(), value: saved.join(","), limit: saved.length } }).then((found) => {
      const names = new Map(found.map((o) => [o.value, o.label]));
      chosen = chosen.map((c) => ({ value: c.value, label: names.get(c.value) ?? c.value }));
      drawChips();
    }, () => { /* the ids stay shown */ });
  }

  const one = (v) => (numeric ? Number(v) : v);
  return {
    el,
    input,
    value: () => {
      if (!chosen.length) return undefined;
      return multiple ? chosen.map((c) => one(c.value)) : one(chosen[0].value);
    },
  };
}


// estimateGenerate asks for a dry run: the rows ClickHouse expects to read
// and the place the run would take, before anything is queued.
async function estimateGenerate(rep, fields, line) {
  const filters = {};
  for (const f of fields) {
    const v = f.value();
    if (v !== undefined) filters[f.name] = v;
  }
  line.textContent = "…";
  try {
    const est = await call("POST", "/v1/runs", { query: { dry_run: "true" }, body: { report: rep.id, filters } });
    const place = t("estimatePlace", est.queue_position);
    line.textContent = est.estimated_rows === undefined || est.estimated_rows === null
      ? `${t("estimateNone")} · ${place}`
      : `${t("estimateRows", fmtNumber(est.estimated_rows, 0), fmtNumber(est.estimated_parts, 0))} · ${place}`;
  } catch (e) {
    line.textContent = errorText(e);
  }
}

async function submitGenerate(rep, fields, form, formError, purpose, notifyEmail) {
  const filters = {};
  for (const f of fields) {
    const v = f.value();
    if (v !== undefined) filters[f.name] = v;
    f.setError(null);
  }
  formError.textContent = "";
  const button = form.querySelector("#submit-generate");
  button.disabled = true;
  try {
    const body = { report: rep.id, filters };
    if (purpose && purpose.value.trim()) body.purpose = purpose.value.trim();
    if (notifyEmail?.checked) body.notify = ["email"];
    form.querySelector("#err-notify").textContent = "";
    const run = await call("POST", "/v1/runs", { query: { lang: currentLang() }, body });
    if (body.purpose) state.purposes.set(run.id, body.purpose);
    dialog.close();
    if (route().page !== "runs") location.hash = "#/runs";
    else {
      // The rows and their count come from one answer of the list, so the
      // new run never sits beside the old count (the list's filters apply).
      try {
        await loadRuns(false);
      } catch {
        if (!state.runs.some((r) => r.id === run.id)) state.total = (state.total ?? 0) + 1;
        state.runs = [run].concat(state.runs.filter((r) => r.id !== run.id));
      }
      fillRuns();
    }
    toast(`${rep.title}: ${statusLabel(run.status)}`, { id: run.id, status: run.status, title: rep.title });
    for (const r of state.runs) followToast(r); // the list may already know it further on
  } catch (e) {
    if (!(e instanceof ApiError)) {
      formError.textContent = errorText(e);
      return;
    }
    if (e.status === 403 && e.message.includes("personal_data")) {
      formError.textContent = t("personalDataRequired");
      return;
    }
    const byField = e.fieldErrors();
    let first = null;
    const rest = [];
    for (const [loc, msgs] of Object.entries(byField)) {
      const f = loc.startsWith("filters.") && fields.find((x) => x.name === loc.slice(8));
      if (loc.startsWith("notify")) {
        form.querySelector("#err-notify").textContent = msgs.join("; ");
        first ||= { focus: () => notifyEmail.focus() };
      } else if (loc === "purpose" && purpose) {
        form.querySelector("#err-purpose").textContent = msgs.join("; ");
        purpose.setAttribute("aria-invalid", "true");
        first ||= { focus: () => purpose.focus() };
      } else if (f) {
        f.setError(msgs);
        first ||= f;
      } else {
        rest.push(...msgs);
      }
    }
    formError.textContent = rest.length || !first ? `${t("problem")} ${rest.length ? rest.join("; ") : e.message}` : "";
    if (first) first.focus();
  } finally {
    button.disabled = false;
  }
}

// ---- result view ------------------------------------------------------------

async function renderView(id) {
  main.replaceChildren(h("p", { class: "loading" }, "…"));
  const ctl = new AbortController();
  state.viewAbort = ctl;
  let run, rep;
  try {
    await Promise.all([catalog(), formats()]);
    run = await call("GET", `/v1/runs/${id}`, { query: { lang: currentLang() }, signal: ctl.signal });
    rep = await call("GET", `/v1/reports/${run.report}`, { query: { lang: currentLang() }, signal: ctl.signal }).catch(() => null);
  } catch (e) {
    if (ctl.signal.aborted) return;
    main.replaceChildren(h("a", { href: "#/runs" }, t("backToList")), h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  const view = { run, rep, offset: 0, limit: 50, sort: "", desc: false, q: "", columns: rep ? rep.columns : [] };
  const header = h("section", { class: "card", "aria-labelledby": "view-title" });
  const chartBox = h("section", { class: "card", id: "chart-card", hidden: true, "aria-labelledby": "chart-title" });
  const body = h("section", { id: "result", "aria-labelledby": "result-title" });
  main.replaceChildren(h("p", {}, h("a", { href: "#/runs", id: "back" }, t("backToList"))), header, chartBox, body);
  const showHeader = () => {
    const r = view.run;
    followToast(r);
    const rf = resolvedFilters(r);
    const item = (k, v) => (v === undefined || v === null || v === "" ? null : h("div", {}, h("dt", {}, k), h("dd", {}, v)));
    // Every filter the run was given or defaulted, in words as named when it
    // was requested (runs recorded before that show the ids below).
    const words = r.filter_labels || [];
    header.replaceChildren(
      h("h1", { id: "view-title" }, titleOf(r)),
      h("dl", { class: "meta" },
        h("div", {}, h("dt", {}, t("colStatus")), h("dd", {}, h("span", { id: "view-status", class: `status status-${r.status}`, "aria-live": "polite" }, statusLabel(r.status)))),
        words.length ? null : item(t("colPeriod"), fmtPeriod(rf.period)),
        item(t("requestedBy"), r.user_name || r.user_id),
        item(t("requestedAt"), fmtDateTime(r.requested_at)),
        ...(words.length ? [] : [item(t("wallet"), r.wallet), item(t("channel"), r.channel), item(t("eventType"), r.event_type)]),
        item(t("rowsTotal"), r.total_rows === undefined || r.total_rows === null ? null : fmtNumber(r.total_rows, 0) + (r.truncated ? ` (${t("truncated")})` : "")),
        r.status === "processing" ? h("div", {}, h("dt", {}, t("rowsSoFar")), h("dd", { id: "view-progress" }, fmtNumber(r.rows_so_far || 0, 0))) : null,
        r.status === "processing" && r.started_at ? item(t("elapsed"), fmtElapsed(r.started_at)) : null),
      ...(words.length ? [h("h2", { class: "filters-title" }, t("filters")), h("dl", { class: "meta", id: "view-filters" }, ...words.map((f) => h("div", { dataset: { filter: f.name } }, h("dt", {}, f.label), h("dd", {}, f.value_label))))] : []),
      ...(r.error ? [h("p", { class: "run-error", role: "alert" }, `${t("errorPrefix")}: ${r.error}`)] : []),
      ...(queueText(r) ? [h("p", { id: "view-queue", class: "queue-place" }, queueText(r)), h("p", { class: "muted" }, t("queueRule"))] : []),
      ...runActions(r));
  };
  showHeader();
  if (!terminal.has(run.status)) {
    body.replaceChildren(h("p", { class: "muted" }, t("notReady")));
    // The elapsed time moves even when no event comes.
    const tick = setInterval(() => { if (ctl.signal.aborted || terminal.has(view.run.status)) clearInterval(tick); else if (view.run.status === "processing") showHeader(); }, 1000);
    try {
      await callEvents("GET", `/v1/runs/${id}/events`, (name, ev) => {
        if (name !== "run") return;
        view.run = { ...view.run, status: ev.status, total_rows: ev.total_rows ?? view.run.total_rows, error: ev.error ?? view.run.error,
          rows_so_far: ev.rows, started_at: ev.started_at ?? view.run.started_at, queue: ev.queue };
        if (terminal.has(ev.status) && state.notifyRuns.delete(id)) {
          try { new Notification(titleOf(view.run), { body: `${statusLabel(ev.status)}${ev.total_rows != null ? ` · ${t("rowsTotal")}: ${fmtNumber(ev.total_rows, 0)}` : ""}`, tag: id }); } catch { /* the page still shows it */ }
        }
        showHeader();
      }, { signal: ctl.signal });
      clearInterval(tick);
      view.run = await call("GET", `/v1/runs/${id}`, { query: { lang: currentLang() }, signal: ctl.signal });
      showHeader();
    } catch (e) {
      if (ctl.signal.aborted) return;
    }
  }
  if (view.run.status !== "finished") {
    body.replaceChildren(h("p", { class: "muted" }, view.run.status === "failed" || view.run.status === "canceled" ? "" : t("notReady")));
    return;
  }
  drawChart(view, chartBox, ctl.signal);
  renderResult(view, body, ctl.signal);
}

// givenFilters is what the run's requester typed (relative periods as words).
function givenFilters(run) {
  const f = run.filters;
  if (f && typeof f === "object") return { ...f };
  try { return JSON.parse(f || "{}"); } catch { return {}; }
}

// absolutePeriod is the run's resolved period as the API takes it back:
// "from/to" instants become "from..to" (the end excluded).
function absolutePeriod(run) {
  const p = resolvedFilters(run).period;
  return typeof p === "string" && p.includes("/") ? p.replace("/", "..") : p;
}

// rerun asks for the run again with its filters; samePeriod keeps the
// resolved period, otherwise a relative one is resolved anew.
async function rerun(run, samePeriod) {
  const filters = givenFilters(run);
  if (samePeriod && filters.period !== undefined) filters.period = absolutePeriod(run);
  try {
    const out = await call("POST", "/v1/runs", { body: { report: run.report, filters } });
    toast(t("rerunDone"));
    location.hash = `#/runs/${out.id}`;
  } catch (e) {
    toast(errorText(e));
  }
}

// runActions are the view's ways to repeat and share a run.
function runActions(run) {
  const given = givenFilters(run);
  const relative = typeof given.period === "string" && !given.period.includes("..");
  const bar = h("div", { class: "actions run-actions", id: "run-actions" });
  const link = h("input", { id: "run-link", type: "text", readonly: true, hidden: true, "aria-label": t("copyLink"), value: `${location.origin}${location.pathname}#/runs/${run.id}` });
  const choice = h("div", { id: "rerun-choice", class: "rerun-choice", hidden: true, role: "group", "aria-label": t("rerun") },
    h("button", { type: "button", id: "rerun-same", onclick: () => rerun(run, true) }, t("rerunSame", fmtPeriod(resolvedFilters(run).period))),
    h("button", { type: "button", id: "rerun-relative", onclick: () => rerun(run, false) }, t("rerunRelative", given.period)));
  // append writes null as the text "null": leave the absent buttons out.
  bar.append(...[
    h("button", { type: "button", id: "rerun", onclick: () => (relative ? (choice.hidden = !choice.hidden) : rerun(run, true)) }, t("rerun")),
    h("button", { type: "button", id: "duplicate", onclick: () => openGenerate({ report: run.report, filters: given }) }, t("duplicate")),
    h("button", { type: "button", id: "schedule-run", onclick: () => { state.scheduleSeed = { report: run.report, filters: given }; location.hash = "#/schedules/new"; } }, t("scheduleThis")),
    h("button", { type: "button", id: "copy-link", onclick: async () => {
      // The link is also shown, selected, where the clipboard is refused.
      link.hidden = false;
      link.select();
      try {
        await navigator.clipboard.writeText(link.value);
        toast(t("linkCopied"));
      } catch {
        toast(t("linkShown"));
      }
    } }, t("copyLink")),
    !terminal.has(run.status) && "Notification" in window ? h("button", { type: "button", id: "notify-me", "aria-pressed": String(state.notifyRuns.has(run.id)), onclick: async (e) => {
      // A browser notice when the run ends, while this page stays open.
      const perm = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
      if (perm !== "granted") { toast(t("notifyDenied")); return; }
      state.notifyRuns.add(run.id);
      e.target.setAttribute("aria-pressed", "true");
      toast(t("notifyOn"));
    } }, t("notifyMe")) : null,
    terminal.has(run.status) ? h("button", { type: "button", id: "delete-run", class: "danger", onclick: async () => {
      if (!confirm(t("confirmDelete"))) return;
      try {
        await call("DELETE", `/v1/runs/${run.id}`);
        toast(t("deleted"));
        location.hash = "#/runs";
      } catch (e) {
        toast(errorText(e));
      }
    } }, t("delete")) : null].filter(Boolean));
  return [bar, choice, link];
}

function renderResult(view, body, signal) {
  const search = h("input", { id: "result-search", type: "search", value: view.q, autocomplete: "off" });
  const searchForm = h("form", { role: "search", id: "result-search-form", class: "toolbar", onsubmit: (e) => { e.preventDefault(); view.q = search.value.trim(); view.offset = 0; load(); } },
    h("label", { for: "result-search" }, t("search")), search, h("button", { type: "submit" }, t("searchButton")),
    h("span", { class: "spacer" }),
    dialectPicker("view-dialect"),
    h("button", { type: "button", id: "view-download-csv", onclick: () => download(view.run.id, currentDialect()) }, `${t("download")} CSV`),
    ...fileFormats().map((f) => h("button", { type: "button", id: `view-download-${f.id}`, onclick: () => download(view.run.id, f.id) }, `${t("download")} ${formatName(f)}`)));
  const table = h("table", { id: "result-table" });
  const info = h("span", { id: "page-info", "aria-live": "polite" });
  const prev = h("button", { type: "button", id: "page-prev", onclick: () => { view.offset = Math.max(0, view.offset - view.limit); load(); } }, t("prev"));
  const next = h("button", { type: "button", id: "page-next", onclick: () => { view.offset += view.limit; load(); } }, t("next"));
  body.replaceChildren(h("h2", { id: "result-title", class: "visually-hidden" }, t("resultTitle")), searchForm, h("div", { class: "table-wrap" }, table), h("div", { class: "pager" }, info, prev, next));

  async function load() {
    let page;
    try {
      page = await call("GET", `/v1/runs/${view.run.id}/rows`, { query: { offset: view.offset, limit: view.limit, sort: view.sort, desc: view.sort ? view.desc : "", q: view.q, lang: currentLang() }, signal });
    } catch (e) {
      if (!signal.aborted) info.textContent = errorText(e);
      return;
    }
    // Labels come from the report in the page's language (the rows answer
    // carries the same, asked with lang).
    const cols = page.columns.map((c) => ({ ...c, label: (view.columns.find((x) => x.name === c.name) || c).label }));
    const th = (c) => {
      const sortState = view.sort === c.name ? (view.desc ? "descending" : "ascending") : "none";
      return h("th", { scope: "col", class: numericTypes.has(c.type) ? "num" : null, "aria-sort": sortState, dataset: { col: c.name } },
        h("button", { type: "button", class: "sort", onclick: () => {
          if (view.sort === c.name) view.desc = !view.desc;
          else { view.sort = c.name; view.desc = false; }
          view.offset = 0;
          load();
        } }, c.label));
    };
    const rows = page.rows.length
      ? page.rows.map((r) => h("tr", {}, r.map((v, i) => h("td", { class: numericTypes.has(cols[i]?.type) ? "num" : null, dataset: v === null ? {} : { value: v } }, fmtCell(v, cols[i]?.type, cols[i])))))
      : [h("tr", {}, h("td", { colspan: cols.length || 1, class: "muted" }, t("noRows")))];
    table.replaceChildren(h("caption", { class: "visually-hidden" }, titleOf(view.run)), h("thead", {}, h("tr", {}, cols.map(th))), h("tbody", {}, rows));
    table.dataset.total = String(page.total);
    const a = page.total ? view.offset + 1 : 0;
    const b = Math.min(view.offset + page.rows.length, page.total);
    info.textContent = t("pageInfo", fmtNumber(a, 0), fmtNumber(b, 0), fmtNumber(page.total, 0));
    prev.disabled = view.offset === 0;
    next.disabled = view.offset + view.limit >= page.total;
  }
  load();
}

// chartMeasure picks the measure a report charts over its intervals (reports
// with an interval_start column): the column named like the report
// (kpis.service_level → service_level, service.webchat_nps → nps), else the
// first percent column, else the first average duration, else the first
// duration. Other reports have no chart.
function chartMeasure(rep) {
  const cols = (rep && rep.columns) || [];
  if (!cols.some((c) => c.name === "interval_start")) return null;
  const measures = cols.filter((c) => c.name !== "interval_start" && ["percent", "duration", "number"].includes(c.type));
  const own = rep.id.slice(rep.id.lastIndexOf(".") + 1);
  return measures.find((c) => c.name === own || own.endsWith(`_${c.name}`))
    || measures.find((c) => c.type === "percent")
    || measures.find((c) => c.type === "duration" && c.name.startsWith("average"))
    || measures.find((c) => c.type === "duration")
    || null;
}

// naiveSeconds reads "YYYY-MM-DD[ hh:mm[:ss]]" (already in the tenant's zone)
// as if it were UTC, so the axis shows the wall-clock times the table shows.
function naiveSeconds(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s || "");
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0)) / 1000;
}

async function drawChart(view, box, signal) {
  const measure = chartMeasure(view.rep);
  if (!measure || typeof uPlot === "undefined") return;
  let page;
  try {
    page = await call("GET", `/v1/runs/${view.run.id}/rows`, { query: { offset: 0, limit: 1000, sort: "interval_start" }, signal });
  } catch {
    return;
  }
  const xi = page.columns.findIndex((c) => c.name === "interval_start");
  const yi = page.columns.findIndex((c) => c.name === measure.name);
  if (xi < 0 || yi < 0 || !page.rows.length) return;
  const xs = [], ys = [];
  for (const r of page.rows) {
    const x = naiveSeconds(r[xi]);
    if (!isFinite(x)) continue;
    xs.push(x);
    ys.push(r[yi] === null ? null : Number(r[yi]));
  }
  const unit = { percent: " %", duration: " s" }[measure.type] || "";
  // Axis and legend in the page's language; the times are wall-clock times
  // of the tenant's zone carried as UTC (see naiveSeconds).
  const wholeDays = xs.every((x) => x % 86400 === 0);
  const axisFmt = new Intl.DateTimeFormat(currentLang(), wholeDays ? { day: "2-digit", month: "2-digit", timeZone: "UTC" } : { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  const legendFmt = new Intl.DateTimeFormat(currentLang(), wholeDays ? { dateStyle: "short", timeZone: "UTC" } : { dateStyle: "short", timeStyle: "short", timeZone: "UTC" });
  const title = t("chartTitle", measure.label);
  const plotArea = h("div", { id: "chart", role: "img", "aria-label": `${title}: ${xs.length} ${t("colRows").toLowerCase()}` });
  box.replaceChildren(h("h2", { id: "chart-title" }, title), plotArea);
  box.hidden = false;
  const width = () => Math.max(300, plotArea.clientWidth || box.clientWidth - 32);
  const opts = {
    width: width(),
    height: 280,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true }, y: measure.type === "percent" ? { range: [0, 100] } : {} },
    series: [
      { label: t("interval"), value: (u, v) => (v === null || v === undefined ? "—" : legendFmt.format(new Date(v * 1000))) },
      { label: measure.label, stroke: "#0b5cad", width: 2, fill: "rgba(11, 92, 173, 0.08)", spanGaps: false, points: { show: xs.length <= 60 },
        value: (u, v) => (v === null || v === undefined ? "—" : fmtNumber(v, 2) + unit) },
    ],
    axes: [{ values: (u, splits) => splits.map((v) => axisFmt.format(new Date(v * 1000))) }, { values: (u, vals) => vals.map((v) => fmtNumber(v, 1) + unit), size: 70 }],
  };
  const plot = new uPlot(opts, [xs, ys], plotArea);
  const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 280 }));
  ro.observe(box);
  signal.addEventListener("abort", () => { ro.disconnect(); plot.destroy(); });
}

// ---- Agendamentos -------------------------------------------------------------

// Relative periods a schedule offers: they resolve each time it fires.
const schedulePresets = [["yesterday", "presetYesterday"], ["last_7_days", "presetLast7"], ["previous_month", "presetPrevMonth"], ["month_to_date", "presetMonthToDate"], ["custom", "presetCustom"]];
const recurrencePresets = [["0 7 * * *", "recDaily"], ["0 7 * * 1-5", "recWeekdays"], ["0 7 * * 1", "recMondays"], ["0 7 1 * *", "recMonthly"]];
const defaultFileName = "{report}_{from}_{to}_{run_time}";
const deliveryEnded = new Set(["delivered", "failed", "run_failed"]);

// Destination kinds come from GET /v1/destination-kinds in the page's
// language: each kind's label and the fields of its config (json names;
// "tls.x" is nested), with types, defaults, secrets and the field a
// connection test's fingerprint pins. Cached per language.
const destKindsByLang = new Map();
const redacted = "[redacted]";

async function destinationKinds() {
  const lang = currentLang();
  if (!destKindsByLang.has(lang)) {
    const out = await call("GET", "/v1/destination-kinds", { query: { lang } });
    destKindsByLang.set(lang, out.kinds);
  }
  return destKindsByLang.get(lang);
}

function kindSpec(kind) { return (destKindsByLang.get(currentLang()) || []).find((k) => k.kind === kind); }

// fieldDefault is a field's default given the form's values: the e-mail
// port follows its encryption.
function fieldDefault(spec, field, vals) {
  if (field.default_by && field.defaults) {
    const by = spec.fields.find((f) => f.name === field.default_by);
    const v = vals[field.default_by] || (by ? by.default : "");
    if (v in field.defaults) return field.defaults[v];
  }
  return field.default;
}

function defaultText(v) { return v === null || v === undefined ? "" : String(v); }

// prefilled fields start at their default and follow it (when the kind or the
// field it depends on changes) until the user types something else.
function prefilled(field) { return !field.hidden && !field.advanced && field.type !== "bool" && field.type !== "enum" && defaultText(field.default) !== ""; }

function normalizeKind(k) { return k && !k.startsWith("delivery.") ? `delivery.${k}` : k; }

function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

function setPath(obj, path, v) {
  const keys = path.split(".");
  const last = keys.pop();
  let o = obj;
  for (const k of keys) o = (o[k] && typeof o[k] === "object") ? o[k] : (o[k] = {});
  o[last] = v;
}

function deletePath(obj, path) {
  const keys = path.split(".");
  const last = keys.pop();
  const parent = keys.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
  if (!parent) return;
  delete parent[last];
  if (keys.length && !Object.keys(parent).length) deletePath(obj, keys.join("."));
}

// fmtInZone shows an instant as the wall clock of a zone (a schedule's).
function fmtInZone(iso, zone) {
  if (!iso) return "";
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  } catch {
    return fmtDateTime(iso);
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${fmtDate(`${p.year}-${p.month}-${p.day}`)} ${p.hour}:${p.minute}`;
}

// describeCron puts the common cron shapes in words; others show as written.
const weekdayKeys = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

// fmtWall splits an instant into its date (yyyy-mm-dd) and time (hh:mm) on
// zone's wall clock, for date and time inputs.
function fmtWall(iso, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

function describeCron(cron) {
  const m = /^(\d{1,2}) (\d{1,2}) (\S+) (\S+) (\S+)$/.exec((cron || "").trim().replace(/\s+/g, " "));
  if (!m) return "";
  const [, mi, hr, dom, mon, dow] = m;
  if (+mi > 59 || +hr > 23 || mon !== "*") return "";
  const at = `${pad(+hr)}:${pad(+mi)}`;
  if (dom === "*" && dow === "*") return t("cronDaily", at);
  if (dom === "*" && /^(1-5|MON-FRI)$/i.test(dow)) return t("cronWeekdays", at);
  if (dom === "*" && /^[0-7]$/.test(dow)) return t("cronWeekly", t("weekdays")[+dow % 7], at);
  if (/^\d{1,2}$/.test(dom) && +dom >= 1 && +dom <= 31 && dow === "*") return t("cronMonthly", +dom, at);
  return "";
}

function outcomeBadge(outcome) {
  const cls = { delivered: "finished", failed: "failed", run_failed: "failed", queued: "waiting", delivering: "processing" }[outcome] || "waiting";
  return h("span", { class: `status status-${cls}` }, t("outcome")[outcome] || outcome);
}

function kindLabel(kind) { const k = kindSpec(kind); return k ? k.label : kind; }

async function loadSchedules() {
  const out = await call("GET", "/v1/schedules");
  state.schedules = out.schedules;
}

async function renderSchedules() {
  main.replaceChildren(h("p", { class: "loading" }, "…"));
  try {
    await Promise.all([catalog(), formats(), destinationKinds()]);
    await loadSchedules();
  } catch (e) {
    const msg = e instanceof ApiError && e.status === 403 ? t("schedulesForbidden") : errorText(e);
    main.replaceChildren(h("h1", {}, t("tabSchedules")), h("p", { class: "form-error", role: "alert", id: "schedules-error" }, msg));
    return;
  }
  const toolbar = h("div", { class: "toolbar" },
    h("h1", { id: "schedules-title" }, t("tabSchedules")),
    h("span", { class: "spacer" }),
    h("button", { type: "button", id: "refresh-schedules", onclick: async () => {
      try { await loadSchedules(); fillSchedules(); } catch (e) { toast(errorText(e)); }
    } }, t("refresh")),
    h("a", { class: "button primary", href: "#/schedules/new", id: "new-schedule" }, t("newSchedule")));
  const table = h("div", { class: "table-wrap" }, h("table", { id: "schedules-table" },
    h("caption", { class: "visually-hidden" }, t("tabSchedules")),
    h("thead", {}, h("tr", {}, ["colScheduleName", "colRecurrence", "colNextRun", "colLastDelivery", "colStatus", "colActions"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", { id: "schedules-body" })));
  main.replaceChildren(toolbar, table);
  fillSchedules();
}

function fillSchedules() {
  const tbody = document.getElementById("schedules-body");
  if (!tbody) return;
  if (!state.schedules.length) tbody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("noSchedules"))));
  else tbody.replaceChildren(...state.schedules.map(scheduleRow));
  pollPendingDeliveries();
}

function scheduleRow(s) {
  const cell = (key, attrs, ...children) => h("td", { ...attrs, "data-label": t(key) }, ...children);
  const dests = s.destinations.map((d) => `${kindLabel(normalizeKind(d.kind)).split(" ")[0]} ${d.config.host || ""}`.trim()).join(", ");
  const name = h("td", { class: "schedule-name" },
    h("div", {}, s.name),
    h("div", { class: "muted" }, `${titleOf({ report: s.report })} · ${s.report}`),
    h("div", { class: "muted" }, `${formatLabel(s.format)} → ${dests}`));
  const words = describeCron(s.recurrence);
  const next = s.paused || !s.next_runs.length ? "—" : fmtInZone(s.next_runs[0], s.time_zone);
  const pendingRun = state.pendingRuns.get(s.id);
  let last;
  if (pendingRun) {
    last = [outcomeBadge(state.pendingStates.get(s.id) || "queued"), h("p", { class: "muted" }, h("a", { href: `#/runs/${pendingRun}` }, t("seeRun")))];
  } else if (s.last_delivery_outcome) {
    last = [outcomeBadge(s.last_delivery_outcome),
      s.last_delivery_error ? h("p", { class: "run-error outcome-error" }, `${t("errorPrefix")}: ${s.last_delivery_error}`) : null,
      h("p", { class: "muted" }, s.last_fire_at ? `${fmtDateTime(s.last_fire_at)} · ` : null, s.last_run_id ? h("a", { href: `#/runs/${s.last_run_id}` }, t("seeRun")) : null)];
  } else {
    last = [h("span", { class: "muted" }, t("noDeliveryYet"))];
  }
  const outcome = pendingRun ? state.pendingStates.get(s.id) || "queued" : s.last_delivery_outcome || "";
  const actions = h("div", { class: "actions" },
    s.paused
      ? h("button", { type: "button", class: "resume", "aria-label": `${t("resume")}: ${s.name}`, onclick: () => setPaused(s, false) }, t("resume"))
      : h("button", { type: "button", class: "pause", "aria-label": `${t("pause")}: ${s.name}`, onclick: () => setPaused(s, true) }, t("pause")),
    h("button", { type: "button", class: "run-now", disabled: !!pendingRun, "aria-label": `${t("runNow")}: ${s.name}`, onclick: () => runScheduleNow(s) }, t("runNow")),
    h("a", { class: "button edit", href: `#/schedules/${s.id}`, "aria-label": `${t("edit")}: ${s.name}` }, t("edit")),
    h("button", { type: "button", class: "danger delete", "aria-label": `${t("delete")}: ${s.name}`, onclick: () => deleteSchedule(s) }, t("delete")));
  return h("tr", { dataset: { scheduleId: s.id, paused: String(s.paused), outcome } },
    name,
    cell("colRecurrence", {}, h("div", {}, words || s.recurrence), h("div", { class: "muted" }, words ? `${s.recurrence} · ${s.time_zone}` : s.time_zone)),
    cell("colNextRun", { class: "next-run", dataset: { next: s.paused ? "" : s.next_runs[0] || "" } }, next),
    cell("colLastDelivery", { class: "last-delivery" }, ...last),
    cell("colStatus", {}, h("span", { class: `status ${s.paused ? "status-canceled" : "status-finished"} schedule-state` }, s.paused ? t("paused") : t("active"))),
    cell("colActions", {}, actions));
}

function replaceSchedule(updated) {
  state.schedules = state.schedules.map((x) => (x.id === updated.id ? updated : x));
  fillSchedules();
}

async function setPaused(s, paused) {
  try {
    replaceSchedule(paused ? await call("POST", `/v1/schedules/${s.id}/pause`) : await call("POST", `/v1/schedules/${s.id}/resume`));
    toast(`${s.name}: ${paused ? t("paused") : t("active")}`);
  } catch (e) {
    toast(errorText(e));
  }
}

async function runScheduleNow(s) {
  try {
    const run = await call("POST", `/v1/schedules/${s.id}/run-now`);
    state.pendingRuns.set(s.id, run.id);
    state.pendingStates.set(s.id, "queued");
    fillSchedules();
    toast(`${s.name}: ${t("runStarted")}`);
  } catch (e) {
    toast(errorText(e));
  }
}

// pollPendingDeliveries follows the runs started with "Executar agora" until
// their delivery ends, then reloads the list for the schedules' outcome.
function pollPendingDeliveries() {
  clearTimeout(state.pollTimer);
  if (!state.pendingRuns.size) return;
  state.pollTimer = setTimeout(async () => {
    if (route().page !== "schedules") return;
    let ended = false;
    for (const [sid, runID] of [...state.pendingRuns]) {
      try {
        const d = await call("GET", `/v1/runs/${runID}/deliveries`);
        if (d.state) state.pendingStates.set(sid, d.state);
        if (deliveryEnded.has(d.state)) {
          state.pendingRuns.delete(sid);
          state.pendingStates.delete(sid);
          ended = true;
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) state.pendingRuns.delete(sid);
      }
    }
    if (route().page !== "schedules") return;
    if (ended) {
      try { await loadSchedules(); } catch { /* keep the old list */ }
    }
    fillSchedules();
  }, 1000);
}

async function deleteSchedule(s) {
  if (!confirm(t("confirmDeleteSchedule", s.name))) return;
  try {
    await call("DELETE", `/v1/schedules/${s.id}`);
    state.schedules = state.schedules.filter((x) => x.id !== s.id);
    state.pendingRuns.delete(s.id);
    fillSchedules();
    toast(t("scheduleDeleted"));
  } catch (e) {
    toast(errorText(e));
  }
}

// ---- schedule form ----------------------------------------------------------------

// formField lays out one labelled control with its hint and its error line.
function formField(id, label, control, hint, attrs = {}) {
  const err = h("p", { id: `${id}-error`, class: "field-error", role: "alert" });
  const hintEl = hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null;
  control.setAttribute("aria-describedby", [hint ? `${id}-hint` : "", `${id}-error`].join(" ").trim());
  const el = h("div", { class: "field", ...attrs }, h("label", { for: id }, label), control, hintEl, err);
  return {
    el, control, hint: hintEl,
    setError(msgs) {
      err.textContent = msgs && msgs.length ? msgs.join("; ") : "";
      control.setAttribute("aria-invalid", msgs && msgs.length ? "true" : "false");
    },
  };
}

async function renderScheduleForm(id) {
  main.replaceChildren(h("p", { class: "loading" }, "…"));
  let sch = null, reports;
  try {
    [reports] = await Promise.all([catalog(), formats(), destinationKinds()]);
    if (id) sch = await call("GET", `/v1/schedules/${id}`);
  } catch (e) {
    main.replaceChildren(h("p", {}, h("a", { href: "#/schedules" }, t("backToSchedules"))), h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  const seed = !id ? state.scheduleSeed : null; // "Agendar este relatório" from a run
  state.scheduleSeed = null;
  const initialFilters = sch && sch.filters && typeof sch.filters === "object" ? sch.filters : seed ? seed.filters : {};
  let report = sch ? sch.report : seed ? seed.report : "";
  let filterFields = [];

  const name = formField("s-name", t("scheduleName"), h("input", { id: "s-name", name: "name", type: "text", value: sch ? sch.name : "", maxlength: 200, autocomplete: "off" }), t("scheduleNameHint"));
  const reportErr = h("p", { id: "s-report-error", class: "field-error", role: "alert" });
  const filterArea = h("div", { id: "s-filter-area", "aria-live": "polite" }, h("p", { class: "muted" }, t("pickTemplate")));
  const pick = async (rid, initial) => {
    report = rid;
    reportErr.textContent = "";
    let rep;
    try {
      rep = await call("GET", `/v1/reports/${rid}`, { query: { lang: currentLang() } });
    } catch (e) {
      filterArea.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
      return;
    }
    if (report !== rid) return; // another pick came after this one
    filterFields = (rep.filters || []).map((f) => filterField(f, { prefix: "sf", presets: schedulePresets, defaultPreset: "yesterday", initial: initial ? initial[f.name] : undefined }));
    filterArea.replaceChildren(h("h3", {}, rep.title), h("p", { class: "description" }, rep.description), h("h4", {}, t("filters")), h("p", { class: "hint" }, t("scheduleFiltersHint")), ...filterFields.map((f) => f.el));
  };
  const picker = templatePicker(reports, { prefix: "s-template", selected: report, onPick: (rid) => pick(rid) });

  // Recurrence: presets write the cron; the cron is always editable.
  const cron = h("input", { id: "s-recurrence", name: "recurrence", type: "text", value: sch ? sch.recurrence : recurrencePresets[0][0], autocomplete: "off", spellcheck: "false" });
  const recPreset = h("select", { id: "s-recurrence-preset", "aria-label": t("recurrencePreset") },
    recurrencePresets.map(([v, k]) => h("option", { value: v }, t(k))), h("option", { value: "custom" }, t("recCustom")));
  const words = h("p", { id: "s-recurrence-words", class: "hint", "aria-live": "polite" });
  const syncCron = () => {
    const v = cron.value.trim().replace(/\s+/g, " ");
    recPreset.value = recurrencePresets.some(([p]) => p === v) ? v : "custom";
    words.textContent = describeCron(v);
  };
  recPreset.addEventListener("change", () => {
    if (recPreset.value !== "custom") cron.value = recPreset.value;
    syncCron();
    if (recPreset.value === "custom") cron.focus();
  });
  cron.addEventListener("input", syncCron);
  syncCron();
  const recurrence = formField("s-recurrence", t("recurrence"), cron, t("cronHint"));
  recurrence.el.querySelector("label").after(h("div", { class: "period-row" }, h("label", {}, t("presetPick"), recPreset)));
  recurrence.el.append(words);

  // When in words (issue 14): start date and time, a repetition, an optional
  // end; cron stays as the advanced form, used as soon as it is edited.
  const zoneOf = () => (sch ? sch.time_zone : "America/Sao_Paulo");
  const wall = (iso) => (iso ? fmtWall(iso, zoneOf()) : null);
  const start = wall(sch && sch.starts_at);
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const whenMode = h("select", { id: "s-when-mode", "aria-label": t("whenMode") },
    h("option", { value: "words" }, t("whenWords")), h("option", { value: "cron" }, t("whenCron")));
  const repeat = formField("s-repeat", t("repeat"), h("select", { id: "s-repeat", name: "repeat" },
    ["once", "daily", "weekdays", "weekly", "monthly", "last_business_day"].map((v) => h("option", { value: v, selected: sch?.repeat?.every === v || (!sch?.repeat && v === "daily") }, t(`repeat_${v}`)))));
  const startDate = formField("s-start-date", t("startDate"), h("input", { id: "s-start-date", type: "date", value: start ? start.date : tomorrow }));
  const startTime = formField("s-start-time", t("startTime"), h("input", { id: "s-start-time", type: "time", value: start ? start.time : "07:00" }));
  const dayBoxes = weekdayKeys.map((d, i) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "s-day", value: d, checked: (sch?.repeat?.days || []).includes(d) }), ` ${t("weekdays")[i]}`));
  const days = formField("s-days", t("repeatDays"), h("div", { id: "s-days", role: "group" }, ...dayBoxes));
  const dom = formField("s-day-of-month", t("dayOfMonth"), h("input", { id: "s-day-of-month", type: "number", min: 1, max: 31, value: sch?.repeat?.day_of_month || "" }));
  const endDate = formField("s-end-date", t("endDate"), h("input", { id: "s-end-date", type: "date", value: sch && sch.ends_at ? wall(sch.ends_at).date : "" }), t("endDateHint"));
  const weekdayIn = (iso) => { try { return new Intl.DateTimeFormat(currentLang(), { timeZone: zoneOf(), weekday: "long" }).format(new Date(iso)); } catch { return ""; } };
  const nextRuns = h("ol", { id: "s-next-runs", class: "next-runs" }, ...(sch && !sch.paused ? sch.next_runs : []).map((r) => h("li", {}, `${weekdayIn(r)}, ${fmtInZone(r, zoneOf())}`)));
  const wordsBox = h("div", { id: "s-when-words-box" }, repeat.el, h("div", { class: "grid-2" }, startDate.el, startTime.el), days.el, dom.el, endDate.el);
  const syncWhen = () => {
    const v = repeat.control.value;
    days.el.hidden = v !== "weekly";
    dom.el.hidden = v !== "monthly";
    endDate.el.hidden = v === "once";
    wordsBox.hidden = whenMode.value !== "words";
    recurrence.el.hidden = whenMode.value !== "cron";
  };
  whenMode.value = sch && !(sch.starts_at && sch.repeat) ? "cron" : "words";
  whenMode.addEventListener("change", syncWhen);
  repeat.control.addEventListener("change", syncWhen);
  // Editing the cron (or picking one of its presets) chooses the advanced form.
  for (const el of [cron, recPreset]) el.addEventListener("input", () => { whenMode.value = "cron"; syncWhen(); });
  recPreset.addEventListener("change", () => { whenMode.value = "cron"; syncWhen(); });
  syncWhen();
  const whenBody = () => {
    if (whenMode.value === "cron") return { recurrence: cron.value.trim() };
    const out = { repeat: { every: repeat.control.value }, starts_at: startDate.control.value && startTime.control.value ? `${startDate.control.value}T${startTime.control.value}` : startDate.control.value };
    if (out.repeat.every === "weekly") out.repeat.days = [...days.control.querySelectorAll("input:checked")].map((i) => i.value);
    if (out.repeat.every === "monthly") out.repeat.day_of_month = Number(dom.control.value) || 0;
    if (out.repeat.every !== "once" && endDate.control.value) out.ends_at = `${endDate.control.value}T23:59`;
    return out;
  };

  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["America/Sao_Paulo", "UTC"];
  const zoneList = h("datalist", { id: "s-zones" }, zones.map((z) => h("option", { value: z })));
  const timeZone = formField("s-time-zone", t("timeZone"), h("input", { id: "s-time-zone", name: "time_zone", type: "text", list: "s-zones", value: sch ? sch.time_zone : "America/Sao_Paulo", autocomplete: "off" }), t("timeZoneHint"));
  timeZone.el.append(zoneList);

  const format = formField("s-format", t("format"), h("select", { id: "s-format", name: "format" },
    state.formats.map((f) => h("option", { value: f.id, selected: (sch ? sch.format : defaultCSV()) === f.id }, f.label))));
  const fileName = formField("s-file-name", t("fileName"), h("input", { id: "s-file-name", name: "file_name", type: "text", value: sch ? sch.file_name : defaultFileName, autocomplete: "off", spellcheck: "false" }), t("fileNameHint"));

  const destList = h("div", { id: "destinations" });
  const destErr = h("p", { id: "s-destinations-error", class: "field-error", role: "alert" });
  const editors = [];
  const renumber = () => editors.forEach((e, i) => e.setIndex(i, editors.length));
  const addDestination = (initial, origIndex) => {
    const ed = destinationEditor(initial, origIndex, () => {
      editors.splice(editors.indexOf(ed), 1);
      ed.el.remove();
      renumber();
    });
    editors.push(ed);
    destList.append(ed.el);
    renumber();
    return ed;
  };
  if (sch) sch.destinations.forEach((d, i) => addDestination(d, i));
  else addDestination(null, -1);

  const formError = h("p", { id: "schedule-form-error", class: "form-error", role: "alert" });
  const save = h("button", { type: "submit", class: "primary", id: "save-schedule" }, t("save"));
  const form = h("form", { id: "schedule-form", novalidate: true, dataset: { scheduleId: sch ? sch.id : "" }, onsubmit: (e) => { e.preventDefault(); submit(); } },
    h("p", {}, h("a", { href: "#/schedules", id: "back-to-schedules" }, t("backToSchedules"))),
    h("h1", { id: "schedule-form-title" }, sch ? t("editSchedule", sch.name) : t("newScheduleTitle")),
    h("section", { class: "card", "aria-labelledby": "s-sec-report" },
      h("h2", { id: "s-sec-report" }, t("secReport")),
      name.el,
      h("div", { class: "schedule-report" }, h("div", {}, picker.el, reportErr), filterArea)),
    h("section", { class: "card", "aria-labelledby": "s-sec-when" },
      h("h2", { id: "s-sec-when" }, t("secWhen")),
      h("label", {}, `${t("whenMode")} `, whenMode),
      wordsBox,
      h("div", { class: "grid-2" }, recurrence.el, timeZone.el),
      sch && !sch.paused && sch.next_runs.length ? h("div", { class: "field" }, h("h3", { id: "s-next-runs-title" }, t("nextRuns")), nextRuns) : null),
    h("section", { class: "card", "aria-labelledby": "s-sec-file" },
      h("h2", { id: "s-sec-file" }, t("secFile")),
      h("div", { class: "grid-2" }, format.el, fileName.el)),
    h("section", { class: "card", "aria-labelledby": "s-sec-dest" },
      h("h2", { id: "s-sec-dest" }, t("secDestinations")),
      destErr,
      destList,
      h("button", { type: "button", id: "add-destination", onclick: () => addDestination(null, -1).focus() }, t("addDestination"))),
    formError,
    h("div", { class: "form-actions" }, h("a", { class: "button", href: "#/schedules" }, t("close")), save));
  main.replaceChildren(form);
  if (report) {
    await pick(report, initialFilters);
    form.querySelector(`#s-template-list input[value="${CSS.escape(report)}"]`)?.scrollIntoView({ block: "nearest" });
  }
  name.control.focus();

  const topFields = { name, recurrence, time_zone: timeZone, format, file_name: fileName, repeat, "repeat.every": repeat, "repeat.days": days, "repeat.day_of_month": dom, starts_at: startDate, ends_at: endDate };

  async function submit() {
    for (const f of Object.values(topFields)) f.setError(null);
    for (const f of filterFields) f.setError(null);
    for (const ed of editors) ed.clearErrors();
    reportErr.textContent = destErr.textContent = formError.textContent = "";
    if (!report) {
      reportErr.textContent = t("pickReportFirst");
      picker.search.focus();
      return;
    }
    const filters = {};
    for (const f of filterFields) {
      const v = f.value();
      if (v !== undefined) filters[f.name] = v;
    }
    // Stored secrets go back as "[redacted]" only from the place they came
    // from: the API matches them to the stored destinations by position.
    let blocked = null;
    const destinations = editors.map((ed, i) => {
      const { value, problems } = ed.value(i);
      if (problems.length) {
        ed.setErrors(Object.fromEntries(problems.map((p) => [p.key, [p.message]])), []);
        blocked ||= ed;
      }
      return value;
    });
    if (blocked) {
      blocked.focus();
      return;
    }
    const body = { name: name.control.value.trim(), report, filters, ...whenBody(), time_zone: timeZone.control.value.trim(),
      format: format.control.value, file_name: fileName.control.value.trim(), destinations, paused: sch ? sch.paused : false };
    save.disabled = true;
    try {
      const saved = sch ? await call("PUT", `/v1/schedules/${sch.id}`, { body }) : await call("POST", "/v1/schedules", { body });
      state.schedules = [saved].concat((state.schedules || []).filter((x) => x.id !== saved.id));
      toast(t("scheduleSaved", saved.name));
      location.hash = "#/schedules";
    } catch (e) {
      if (!(e instanceof ApiError)) {
        formError.textContent = errorText(e);
        return;
      }
      showScheduleErrors(e.fieldErrors(), e.message);
    } finally {
      save.disabled = false;
    }
  }

  function showScheduleErrors(byField, message) {
    const rest = [];
    let first = null;
    const perDest = new Map();
    for (const [loc, msgs] of Object.entries(byField)) {
      const dm = /^destinations\[(\d+)\](?:\.(kind|config)(?:\.(.+))?)?$/.exec(loc);
      if (dm && editors[+dm[1]]) {
        const entry = perDest.get(+dm[1]) || { fields: {}, general: [] };
        if (dm[2] === "kind") entry.fields.kind = (entry.fields.kind || []).concat(msgs);
        else if (dm[3]) entry.fields[dm[3]] = (entry.fields[dm[3]] || []).concat(msgs);
        else entry.general.push(...msgs);
        perDest.set(+dm[1], entry);
        continue;
      }
      if (loc === "destinations") {
        destErr.textContent = msgs.join("; ");
        first ||= { focus: () => document.getElementById("add-destination").focus() };
        continue;
      }
      if (loc === "report") {
        reportErr.textContent = msgs.join("; ");
        first ||= { focus: () => picker.search.focus() };
        continue;
      }
      const filter = loc.startsWith("filters.") && filterFields.find((f) => f.name === loc.slice(8));
      const top = topFields[loc];
      if (filter || top) {
        (filter || top).setError(msgs);
        first ||= filter || { focus: () => top.control.focus() };
      } else {
        rest.push(...msgs);
      }
    }
    for (const [i, entry] of [...perDest].sort((a, b) => a[0] - b[0])) {
      editors[i].setErrors(entry.fields, entry.general);
      first ||= editors[i];
    }
    formError.textContent = rest.length || !first ? `${t("scheduleProblem")} ${rest.length ? rest.join("; ") : message}` : "";
    if (first) first.focus();
  }
}

let destSeq = 0;

// destinationEditor is one destination's fieldset: kind, its fields (from
// the kind's spec), test connection. value(i) gives the API's {kind, config}
// for position i.
function destinationEditor(initial, origIndex, onRemove) {
  const uid = `d${++destSeq}`;
  const kinds = destKindsByLang.get(currentLang()) || [];
  const origKind = initial ? normalizeKind(initial.kind) : null;
  let kind = origKind || (kinds.some((k) => k.kind === "delivery.email") ? "delivery.email" : kinds[0]?.kind);
  const spec = () => kindSpec(kind) || { kind, label: kind, fields: [] };
  const vals = {};
  const kept = new Set(); // secrets the server holds for this destination
  const origConfig = (initial && initial.config) || {};
  for (const k of kinds) {
    for (const f of k.fields) {
      const v = getPath(origConfig, f.name);
      if (f.secret && v === redacted) kept.add(f.name);
      else if (Array.isArray(v)) vals[f.name] = v.join(", ");
      else if (v !== undefined && v !== null) vals[f.name] = String(v);
    }
  }
  if (!initial) {
    for (const f of spec().fields) if (prefilled(f)) vals[f.name] = defaultText(fieldDefault(spec(), f, vals));
  }
  const controls = {};

  // followDefaults moves prefilled fields still at their old default to the
  // new one after change() (a new kind, or the value a default depends on).
  function followDefaults(change) {
    const before = spec();
    const old = Object.fromEntries(before.fields.map((f) => [f.name, defaultText(fieldDefault(before, f, vals))]));
    change();
    const after = spec();
    for (const f of after.fields) {
      if (!prefilled(f) || (vals[f.name] && vals[f.name] !== old[f.name])) continue;
      vals[f.name] = defaultText(fieldDefault(after, f, vals));
      if (controls[f.name]) controls[f.name].input.value = vals[f.name];
    }
  }

  const legend = h("legend", {});
  const kindSel = h("select", { id: `${uid}-kind`, name: "kind", "aria-describedby": `${uid}-kind-error` }, kinds.map((k) => h("option", { value: k.kind, selected: k.kind === kind }, k.label)));
  const kindErr = h("p", { id: `${uid}-kind-error`, class: "field-error", role: "alert" });
  kindSel.addEventListener("change", () => {
    followDefaults(() => { kind = kindSel.value; });
    renderFields();
  });
  const fieldsBox = h("div", { class: "dest-fields" });
  const general = h("p", { id: `${uid}-error`, class: "form-error", role: "alert" });
  const testResult = h("div", { id: `${uid}-test-result`, class: "test-result", role: "status", "aria-live": "polite" });
  const testButton = h("button", { type: "button", class: "test-connection", onclick: () => testConnection() }, t("testConnection"));
  const removeButton = h("button", { type: "button", class: "danger remove-destination", onclick: onRemove }, t("removeDestination"));
  const el = h("fieldset", { class: "destination card", id: uid },
    legend,
    h("div", { class: "field dest-kind" }, h("label", { for: `${uid}-kind` }, t("dKind")), kindSel, kindErr),
    fieldsBox,
    general,
    h("div", { class: "actions" }, testButton, removeButton),
    testResult);

  function fieldId(key) { return `${uid}-${key.replace(/[^A-Za-z0-9_]/g, "-")}`; }

  function fieldControl(f) {
    const key = f.name;
    const id = fieldId(key);
    let input;
    if (f.type === "enum") {
      const current = vals[key] || defaultText(f.default) || f.values[0].value;
      input = h("select", { id, name: key }, f.values.map((v) => h("option", { value: v.value, selected: current === v.value }, v.label)));
      input.addEventListener("change", () => followDefaults(() => { vals[key] = input.value; }));
    } else if (f.type === "bool") {
      input = h("input", { id, name: key, type: "checkbox" });
      input.checked = (vals[key] ?? defaultText(f.default)) === "true";
      input.addEventListener("change", () => { vals[key] = String(input.checked); });
    } else {
      if (f.type === "text") input = h("textarea", { id, name: key, rows: 3, autocomplete: "off", spellcheck: "false" });
      else input = h("input", { id, name: key, type: f.secret ? "password" : f.type === "int" ? "number" : "text", autocomplete: f.secret ? "new-password" : "off", spellcheck: "false" });
      input.value = vals[key] || "";
      input.addEventListener("input", () => { vals[key] = input.value; });
    }
    const isKept = f.secret && kept.has(key) && kind === origKind;
    if (isKept) input.placeholder = t("secretKeptPlaceholder");
    const def = f.type === "bool" || f.type === "enum" ? "" : defaultText(fieldDefault(spec(), f, vals));
    const hint = [f.help, def ? `${t("defaultIs")}: ${def}` : "", isKept ? t("secretKept") : ""].filter(Boolean).join(" · ");
    const ff = formField(id, f.label, input, hint, { dataset: { field: key } });
    controls[key] = { input, set: ff.setError, el: ff.el };
    return ff.el;
  }

  function renderFields() {
    for (const k of Object.keys(controls)) delete controls[k];
    const shown = spec().fields.filter((f) => !f.hidden);
    const basic = shown.filter((f) => !f.advanced).map(fieldControl);
    const advanced = shown.filter((f) => f.advanced);
    const isSet = (f) => vals[f.name] !== undefined && vals[f.name] !== "" && vals[f.name] !== "false";
    const more = advanced.length
      ? h("details", { class: "dest-advanced", open: advanced.some(isSet) || null }, h("summary", {}, t("moreOptions")), ...advanced.map(fieldControl))
      : null;
    fieldsBox.replaceChildren(...basic, ...(more ? [more] : []));
  }
  renderFields();

  // config builds the API's config: the stored one's settings kept when the
  // kind is unchanged, the form's fields over them.
  function config(index, forTest) {
    const problems = [];
    const cfg = kind === origKind ? structuredClone(origConfig) : {};
    for (const f of spec().fields) {
      if (f.hidden) continue;
      const key = f.name;
      const raw = vals[key] ?? "";
      if (f.secret) {
        if (raw !== "") setPath(cfg, key, raw);
        else if (kept.has(key) && kind === origKind && (index === origIndex || forTest)) setPath(cfg, key, redacted);
        else if (kept.has(key) && kind === origKind) {
          problems.push({ key, message: t("secretMoved") });
          deletePath(cfg, key);
        } else setPath(cfg, key, ""); // never inherit another destination's secret
        continue;
      }
      const v = raw.trim();
      if (v === "" || (f.type === "bool" && v !== "true")) deletePath(cfg, key);
      else if (f.type === "bool") setPath(cfg, key, true);
      else if (f.type === "list") setPath(cfg, key, v.split(/[\s,;]+/).filter(Boolean));
      else if (f.type === "int" && /^-?\d+(\.\d+)?$/.test(v)) setPath(cfg, key, Number(v));
      else setPath(cfg, key, v);
    }
    return { config: cfg, problems };
  }

  function setErrors(fields, generalMsgs) {
    for (const [key, msgs] of Object.entries(fields)) {
      if (key === "kind") {
        kindErr.textContent = msgs.join("; ");
        kindSel.setAttribute("aria-invalid", "true");
      } else if (controls[key]) {
        controls[key].set(msgs);
      } else {
        generalMsgs = generalMsgs.concat(msgs.map((m) => `${key}: ${m}`));
      }
    }
    general.textContent = generalMsgs.join("; ");
  }

  function clearErrors() {
    kindErr.textContent = general.textContent = "";
    kindSel.setAttribute("aria-invalid", "false");
    for (const c of Object.values(controls)) c.set(null);
  }

  function fillPin(key, fingerprint) {
    vals[key] = fingerprint;
    if (controls[key]) controls[key].input.value = fingerprint;
  }

  async function testConnection() {
    clearErrors();
    testResult.replaceChildren(h("span", { class: "muted" }, t("testing")));
    testButton.disabled = true;
    const { config: cfg } = config(-1, true);
    const needsSecret = [...kept].some((k) => spec().fields.some((f) => f.name === k) && kind === origKind && !vals[k]);
    try {
      const res = await call("POST", "/v1/destinations/test", { body: { kind, config: cfg } });
      const out = [h("p", { class: res.ok ? "test-ok" : "run-error test-failed" }, res.ok ? `✓ ${t("testOK")}` : `✗ ${t("testFailed")}: ${res.error || ""}`)];
      if (res.server) out.push(h("p", { class: "muted" }, `${t("testServer")}: ${res.server}`));
      if (!res.ok && needsSecret) out.push(h("p", { class: "muted" }, t("testNeedsSecret")));
      const pinField = spec().fields.find((f) => f.pin && !f.hidden);
      const pinKey = pinField ? pinField.name : null;
      if (res.fingerprint) {
        out.push(h("p", {}, `${t("fingerprint")}: `, h("code", { class: "fingerprint" }, res.fingerprint)));
        const pinned = pinKey ? (vals[pinKey] || "").trim() : "";
        if (pinKey && !pinned) {
          fillPin(pinKey, res.fingerprint);
          out.push(h("p", { class: "muted" }, t("pinFilled", pinField.label)));
        } else if (pinKey && pinned.replace(/:/g, "").toLowerCase() !== res.fingerprint.replace(/:/g, "").toLowerCase()) {
          // A changed key may be an attack: replace the pin only on request.
          out.push(h("p", { class: "run-error pin-mismatch" }, t("pinMismatch")),
            h("button", { type: "button", class: "use-fingerprint", onclick: (e) => { fillPin(pinKey, res.fingerprint); e.target.disabled = true; } }, t("useFingerprint")));
        }
      }
      testResult.replaceChildren(...out);
    } catch (e) {
      if (e instanceof ApiError && e.problem.errors) {
        const fields = {};
        const rest = [];
        for (const [loc, msgs] of Object.entries(e.fieldErrors())) {
          const m = /^(kind|config)(?:\.(.+))?$/.exec(loc);
          if (m && m[1] === "kind") fields.kind = msgs;
          else if (m && m[2]) fields[m[2]] = msgs;
          else rest.push(...msgs);
        }
        setErrors(fields, rest);
        testResult.replaceChildren(h("p", { class: "run-error" }, `✗ ${e.message}`));
      } else {
        testResult.replaceChildren(h("p", { class: "run-error" }, errorText(e)));
      }
    } finally {
      testButton.disabled = false;
    }
  }

  return {
    el,
    value(index) {
      const { config: cfg, problems } = config(index, false);
      return { value: { kind, config: cfg }, problems };
    },
    setErrors,
    clearErrors,
    setIndex(i, n) {
      el.dataset.index = String(i);
      legend.textContent = t("destinationN", i + 1);
      removeButton.hidden = n <= 1;
      removeButton.setAttribute("aria-label", `${t("removeDestination")} ${i + 1}`);
    },
    focus() {
      const bad = el.querySelector('[aria-invalid="true"]');
      (bad || kindSel).focus();
    },
  };
}

render();
