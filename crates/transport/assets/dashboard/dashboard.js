// SEO Architects live dashboard.
//
// Signs in with /auth/login (tokens kept in sessionStorage for this tab only), renews the access
// token with /auth/refresh before it expires, and follows /ws/dashboard, authenticating with a
// first message so the token never appears in a URL. Business figures come from
// /api/analytics/dashboard, request history from /api/metrics/detailed. Every value from the
// server is written with textContent: nothing it sends is ever parsed as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  const SPARK_POINTS = 60;
  const MAX_TASK_ROWS = 50;
  const MAX_CAMPAIGN_ROWS = 30;
  const ALERT_STALE_MS = 30000;

  let ws = null;
  let backoff = 1000;
  let stopped = true;
  let refreshing = null;
  let refreshTimer = null;
  let timers = [];
  const cpuHist = [];
  const memHist = [];
  const taskRows = new Map();
  const alerts = new Map();

  const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

  // ---- helpers -----------------------------------------------------------------------------

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function set(id, text) {
    $(id).textContent = text;
  }

  function pct(v) {
    return typeof v === "number" ? num.format(v) + " %" : "–";
  }

  function ms(v) {
    if (typeof v !== "number") return "–";
    return v >= 1000 ? num.format(v / 1000) + " s" : num.format(v) + " ms";
  }

  function bytes(v) {
    if (typeof v !== "number") return "";
    return num.format(v / (1024 * 1024)) + " MiB resident";
  }

  function clock(ts) {
    const d = ts ? new Date(ts) : new Date();
    return isNaN(d) ? "" : d.toLocaleTimeString();
  }

  // ---- auth --------------------------------------------------------------------------------

  function accessToken() {
    return store.getItem("access_token");
  }

  function saveTokens(t) {
    store.setItem("access_token", t.access_token);
    store.setItem("refresh_token", t.refresh_token);
    store.setItem("expires_at", String(Date.now() + t.expires_in * 1000));
    scheduleRefresh();
  }

  function clearTokens() {
    ["access_token", "refresh_token", "expires_at"].forEach((k) => store.removeItem(k));
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const at = Number(store.getItem("expires_at") || 0);
    // Renew at four fifths of the token's life (at least 5 s from now).
    const left = at - Date.now();
    const wait = Math.max(5000, left - Math.max(left / 5, 5000));
    refreshTimer = setTimeout(() => refresh(), wait);
  }

  // One renewal at a time: concurrent callers share it.
  function refresh() {
    if (refreshing) return refreshing;
    const token = store.getItem("refresh_token");
    if (!token) return Promise.resolve(false);
    refreshing = fetch("/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    })
      .then(async (res) => {
        if (!res.ok) throw new Error("refresh refused");
        saveTokens(await res.json());
        return true;
      })
      .catch(() => {
        signOut("Your session ended. Please sign in again.");
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    const call = () =>
      fetch(path, Object.assign({}, opts, {
        headers: Object.assign({ Accept: "application/json", Authorization: "Bearer " + accessToken() }, opts.headers),
      }));
    let res = await call();
    if (res.status === 401 && (await refresh())) res = await call();
    return res;
  }

  async function login(ev) {
    ev.preventDefault();
    set("login-error", "");
    const body = { username: $("username").value, password: $("password").value };
    let res;
    try {
      res = await fetch("/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      set("login-error", "The server cannot be reached.");
      return;
    }
    if (!res.ok) {
      const retry = res.headers.get("Retry-After");
      set(
        "login-error",
        res.status === 429
          ? "Too many attempts; try again in " + (retry || "a few") + " s."
          : "Invalid username or password."
      );
      return;
    }
    saveTokens(await res.json());
    $("password").value = "";
    start();
  }

  async function logout() {
    const token = store.getItem("refresh_token");
    try {
      await api("/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
    } finally {
      signOut("");
    }
  }

  function signOut(message) {
    stopped = true;
    clearTokens();
    clearTimeout(refreshTimer);
    timers.forEach(clearInterval);
    timers = [];
    if (ws) ws.close(1000, "signed out");
    ws = null;
    $("dash-view").hidden = true;
    $("logout").hidden = true;
    set("who", "");
    $("login-view").hidden = false;
    set("login-error", message || "");
    setConn("off", "offline");
  }

  // ---- live feed ---------------------------------------------------------------------------

  function setConn(cls, text) {
    const c = $("conn");
    c.className = "pill " + cls;
    c.textContent = text;
  }

  function connect() {
    if (stopped) return;
    setConn("wait", "connecting");
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const sock = new WebSocket(proto + "//" + location.host + "/ws/dashboard");
    ws = sock;
    sock.onopen = () => sock.send(JSON.stringify({ type: "auth", token: accessToken() }));
    sock.onmessage = (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      handle(m);
    };
    sock.onclose = (e) => {
      if (ws !== sock) return;
      ws = null;
      setConn("off", "offline");
      if (stopped) return;
      const again = () => {
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30000);
      };
      // 1008 before `initial`: the token was refused; renew it first.
      if (e.code === 1008 && e.reason === "authentication required") {
        refresh().then((ok) => ok && again());
      } else {
        again();
      }
    };
  }

  // A finished task or a campaign change moves the figures: re-read them once things settle.
  let soonTimer = null;
  function soon() {
    if (soonTimer) return;
    soonTimer = setTimeout(() => {
      soonTimer = null;
      send({ type: "request_agents_status" });
      business();
    }, 1500);
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function handle(m) {
    switch (m.type) {
      case "initial":
        backoff = 1000;
        setConn("on", "live");
        send({ type: "subscribe", channels: ["metrics", "agents", "tasks", "campaigns", "alerts"] });
        send({ type: "request_metrics" });
        send({ type: "request_agents_status" });
        break;
      case "metrics_update":
        system(m.data && m.data.system);
        break;
      case "agents_status":
        agents(m.data || {});
        break;
      case "task_update":
        task(m.data || {}, m.timestamp);
        if (["completed", "failed", "timed_out", "cancelled"].includes(m.data && m.data.event)) soon();
        if (m.data && m.data.agent_id === "reporting" && m.data.event === "completed") reports();
        break;
      case "campaign_update":
        campaign(m.data || {}, m.timestamp);
        soon();
        break;
      case "alert":
        alert(m.data || {});
        break;
      case "error":
        console.warn("dashboard feed:", m.data && m.data.message);
        break;
      default:
        break;
    }
  }

  // ---- rendering ---------------------------------------------------------------------------

  function spark(id, hist, value) {
    hist.push(value);
    if (hist.length > SPARK_POINTS) hist.shift();
    const step = 120 / (SPARK_POINTS - 1);
    const pts = hist.map((v, i) => (i * step).toFixed(1) + "," + (30 - (Math.min(v, 100) / 100) * 28 - 1).toFixed(1));
    $(id).querySelector("polyline").setAttribute("points", pts.join(" "));
  }

  function system(s) {
    if (!s) return;
    set("cpu", pct(s.cpu_percent));
    set("mem", pct(s.memory_percent));
    set("conns", typeof s.active_connections === "number" ? String(s.active_connections) : "–");
    set("rss", bytes(s.process_resident_bytes));
    if (typeof s.cpu_percent === "number") spark("cpu-spark", cpuHist, s.cpu_percent);
    if (typeof s.memory_percent === "number") spark("mem-spark", memHist, s.memory_percent);
  }

  function agents(d) {
    const summary = d.summary || {};
    set("agents-healthy", (summary.healthy_agents ?? "–") + " / " + (summary.total_agents ?? "–"));
    const body = $("agents");
    clear(body);
    let running = 0;
    (d.agents || []).forEach((a) => {
      const st = a.stats || {};
      running += st.running_now || 0;
      const tr = el("tr");
      const name = el("td");
      name.appendChild(el("div", a.name || a.agent_id));
      name.appendChild(el("div", a.agent_id, "mono muted"));
      tr.appendChild(name);
      tr.appendChild(el("td", a.status, "status-" + a.status));
      tr.appendChild(el("td", st.runs ?? 0, "num"));
      tr.appendChild(el("td", typeof st.success_rate === "number" ? pct(st.success_rate * 100) : "–", "num"));
      tr.appendChild(el("td", ms(st.mean_duration_ms), "num"));
      tr.appendChild(el("td", ms(st.p95_duration_ms), "num"));
      tr.appendChild(el("td", st.running_now ?? 0, "num"));
      tr.appendChild(el("td", st.last_activity ? clock(st.last_activity) : "–"));
      body.appendChild(tr);
    });
    set("agents-running", running + " task(s) running now");
  }

  function task(d, ts) {
    if (!d.task_id) return;
    let row = taskRows.get(d.task_id);
    if (!row) {
      row = el("tr");
      for (let i = 0; i < 6; i++) row.appendChild(el("td"));
      row.cells[3].className = "mono";
      row.cells[3].title = d.task_id;
      row.cells[3].textContent = d.task_id.slice(0, 8);
      taskRows.set(d.task_id, row);
    }
    row.cells[0].textContent = clock(ts);
    row.cells[1].textContent = d.event || d.status;
    row.cells[1].className = "ev-" + (d.event || d.status);
    row.cells[2].textContent = d.agent_id + (d.task_type ? " · " + d.task_type : "");
    const p = Math.max(0, Math.min(100, Number(d.progress) || 0));
    clear(row.cells[4]);
    const bar = el("span", null, "bar");
    const fill = el("span");
    fill.style.width = p + "%";
    bar.appendChild(fill);
    row.cells[4].appendChild(bar);
    row.cells[4].appendChild(document.createTextNode(" " + p + " %"));
    row.cells[5].textContent = d.summary || "";
    const body = $("tasks");
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_TASK_ROWS) {
      const last = body.rows[body.rows.length - 1];
      taskRows.forEach((r, id) => r === last && taskRows.delete(id));
      body.removeChild(last);
    }
  }

  function campaign(d, ts) {
    const list = $("campaigns");
    if (list.firstChild && list.firstChild.classList.contains("muted")) clear(list);
    const li = el("li");
    li.appendChild(el("span", clock(ts) + " ", "muted"));
    li.appendChild(el("span", (d.action || "update") + " → " + (d.status || "")));
    li.appendChild(el("span", " " + String(d.campaign_id || "").slice(0, 8), "mono muted"));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_CAMPAIGN_ROWS) list.removeChild(list.lastChild);
  }

  // Alerts are re-sent while their rule keeps firing: show each rule once, drop stale ones.
  function alert(a) {
    if (!a.rule) return;
    alerts.set(a.rule + ":" + (a.agent_id || ""), Object.assign({ seen: Date.now() }, a));
    renderAlerts();
  }

  function renderAlerts() {
    const now = Date.now();
    alerts.forEach((a, k) => now - a.seen > ALERT_STALE_MS && alerts.delete(k));
    const list = $("alerts");
    clear(list);
    if (alerts.size === 0) {
      list.appendChild(el("li", "No alert.", "muted"));
      return;
    }
    alerts.forEach((a) => {
      const li = el("li");
      li.appendChild(el("span", (a.severity || "info") + " ", "sev-" + a.severity));
      li.appendChild(el("span", a.message || a.rule));
      list.appendChild(li);
    });
  }

  async function business() {
    const res = await api("/api/analytics/dashboard");
    if (!res.ok) return;
    const d = (await res.json()).data || {};
    const b = d.business_summary || {};
    set("new-clients", b.new_clients ?? "–");
    set("total-clients", (b.total_clients ?? "–") + " clients in all");
    set("active-campaigns", b.active_campaigns ?? "–");
    set("running-budget", "running budget " + money.format(b.running_budget || 0));
    set("tasks-done", (b.tasks_completed ?? "–") + " done");
    set("tasks-failed", (b.tasks_failed ?? 0) + " failed · mean " + ms(b.mean_task_duration_ms));
    set("pipeline", money.format(b.pipeline_value || 0));
    set("proposals", (b.proposals ?? 0) + " proposal(s)");
    (d.alerts || []).forEach(alert);
    renderAlerts();
  }

  async function traffic() {
    const svg = $("traffic");
    const res = await api("/api/metrics/detailed?hours=1");
    if (!res.ok) {
      set("traffic-note", res.status === 403 ? "Your role cannot read system metrics." : "");
      return;
    }
    const minutes = ((await res.json()).data || {}).minutes || [];
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const now = Date.now();
    const max = Math.max(1, ...minutes.map((m) => m.requests));
    const ns = "http://www.w3.org/2000/svg";
    // One bar of the chart: a minute's slot starting at x, h units tall from the bottom.
    const rect = (cls, x, h) => {
      const r = document.createElementNS(ns, "rect");
      r.setAttribute("class", cls);
      r.setAttribute("x", String(x + 1));
      r.setAttribute("width", "8");
      r.setAttribute("y", String(120 - h));
      r.setAttribute("height", String(h));
      return r;
    };
    let total = 0;
    let errors = 0;
    minutes.forEach((m) => {
      const age = Math.floor((now - new Date(m.minute).getTime()) / 60000);
      if (age < 0 || age >= 60) return;
      total += m.requests;
      errors += m.errors;
      const x = (59 - age) * 10;
      const h = (m.requests / max) * 116;
      const eh = (m.errors / max) * 116;
      const bar = rect("req", x, h);
      const title = document.createElementNS(ns, "title");
      title.textContent = clock(m.minute) + ": " + m.requests + " requests, " + m.errors + " errors, p95 " + ms(m.p95_ms);
      bar.appendChild(title);
      svg.appendChild(bar);
      if (m.errors > 0) svg.appendChild(rect("err", x, eh));
    });
    set("traffic-note", total + " requests, " + errors + " errors in the last hour (peak " + max + "/min)");
  }

  // Recent reports, newest first, each opened (HTML) or downloaded (PDF) with the session's token.
  const clientNames = new Map();
  async function clientName(id) {
    if (!id) return "";
    if (!clientNames.has(id)) {
      const res = await api("/api/clients/" + encodeURIComponent(id));
      clientNames.set(id, res.ok ? (await res.json()).company_name || id.slice(0, 8) : id.slice(0, 8));
    }
    return clientNames.get(id);
  }

  async function openReport(id, format) {
    const res = await api("/api/tasks/" + encodeURIComponent(id) + "/report?format=" + format, {
      headers: { Accept: format === "pdf" ? "application/pdf" : "text/html" },
    });
    if (!res.ok) return;
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const cd = res.headers.get("content-disposition") || "";
    const name = (cd.match(/filename="([^"]+)"/) || [])[1] || "report." + format;
    const a = el("a");
    a.href = url;
    if (format === "pdf") a.download = name;
    else a.target = "_blank";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async function reports() {
    const body = $("reports");
    const res = await api("/api/tasks?agent_id=reporting&status=completed&size=10");
    clear(body);
    if (!res.ok) {
      const tr = el("tr");
      const td = el("td", res.status === 403 ? "Your role cannot read tasks." : "Reports could not be read.", "muted");
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    const items = (await res.json()).items || [];
    if (items.length === 0) {
      const tr = el("tr");
      const td = el("td", "No report yet.", "muted");
      td.colSpan = 5;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const t of items) {
      const tr = el("tr");
      tr.appendChild(el("td", t.finished_at ? new Date(t.finished_at).toLocaleString() : "–"));
      tr.appendChild(el("td", t.task_type === "audit_report" ? "Audit report" : "KPI report"));
      tr.appendChild(el("td", await clientName(t.input && t.input.client_id)));
      tr.appendChild(el("td", (t.output && t.output.summary) || ""));
      const links = el("td", null, "nowrap");
      ["html", "pdf"].forEach((f) => {
        const b = el("button", f.toUpperCase(), "link");
        b.type = "button";
        b.title = (f === "pdf" ? "Download" : "Open") + " the " + f.toUpperCase() + " report";
        b.addEventListener("click", () => openReport(t.id, f));
        links.appendChild(b);
      });
      tr.appendChild(links);
      body.appendChild(tr);
    }
  }

  // ---- start -------------------------------------------------------------------------------

  async function start() {
    const res = await api("/auth/me");
    if (!res.ok) {
      signOut(res.status === 401 ? "" : "The server refused this session.");
      return;
    }
    const me = await res.json();
    set("who", me.username + " (" + me.role + ")");
    $("login-view").hidden = true;
    $("dash-view").hidden = false;
    $("logout").hidden = false;
    stopped = false;
    scheduleRefresh();
    connect();
    business();
    traffic();
    reports();
    timers.push(setInterval(business, 30000));
    timers.push(setInterval(traffic, 60000));
    timers.push(setInterval(renderAlerts, 10000));
    // Keeps the feed alive (the server drops a connection silent for 90 s) and the table fresh.
    timers.push(setInterval(() => send({ type: "request_agents_status" }), 30000));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    if (accessToken()) start();
    else signOut("");
  });
})();
