// The operator console of the 7stamp connector: plain JavaScript, no libraries, no inline script.
// The API key lives in sessionStorage (this tab only) and travels only in the X-API-Key header.
"use strict";

(() => {
  const KEY = "sevenstamp-console-key";
  const BASE = location.pathname.replace(/console\/?$/, "");
  const STATUS = {
    delivered: { label: "Delivered", tone: "ok" },
    failed: { label: "Failed", tone: "bad" },
    pending: { label: "Waiting to retry", tone: "wait" },
    gone: { label: "Unsubscribed", tone: "off" },
    refused: { label: "Address refused", tone: "bad" },
  };
  const HEALTH = {
    active: { label: "Active", tone: "ok" },
    failing: { label: "Failing", tone: "bad" },
    disabled: { label: "Disabled", tone: "off" },
  };
  const CHART = [
    ["delivered", "Delivered", "ok"],
    ["pending", "Waiting to retry", "wait"],
    ["failed", "Failed", "bad"],
    ["gone", "Unsubscribed", "off"],
  ];

  const state = { labels: {}, hooks: [], logNext: null, filters: {} };
  const $ = (id) => document.getElementById(id);

  // -- small helpers ---------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function badge(kind, table) {
    const s = table[kind] || { label: kind, tone: "off" };
    return el("span", { class: `badge ${s.tone}` }, s.label);
  }

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function receivedOf(eventId) {
    const m = /^evt_(\d+)_/.exec(eventId || "");
    return m ? new Date(Number(m[1])).toISOString() : null;
  }

  function label(event) {
    return state.labels[event] || event;
  }

  function hostOf(url) {
    try {
      const u = new URL(url);
      return u.host + (u.pathname.length > 1 ? u.pathname : "");
    } catch (e) {
      return url;
    }
  }

  function hookTarget(id) {
    const hook = state.hooks.find((h) => h.id === id);
    return hook ? hostOf(hook.target_url) : "a deleted subscription";
  }

  function notify(text, tone) {
    const box = $("notice");
    box.textContent = text;
    box.className = `notice ${tone || "info"}`;
    box.hidden = false;
  }

  function answerText(a) {
    if (a.status_code) return `answered ${a.status_code}`;
    return a.error || "no answer";
  }

  // -- the API -----------------------------------------------------------------------------
  async function api(method, path, body) {
    const key = sessionStorage.getItem(KEY);
    const init = { method, headers: { "X-API-Key": key || "", Accept: "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let answer;
    try {
      answer = await fetch(BASE + path, init);
    } catch (e) {
      throw new Error("The connector could not be reached. Check your internet connection and try again.");
    }
    const text = await answer.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (answer.status === 401) {
      signOut("Your API key was not accepted. It may have been revoked in 7stamp; paste a current one.");
      throw new Error("Not signed in");
    }
    if (!answer.ok) {
      const message = data && data.error && data.error.message;
      throw new Error(message || `The connector answered with an error (${answer.status}). Try again in a minute.`);
    }
    return data;
  }

  // -- sign in and out -----------------------------------------------------------------------
  async function signIn(event) {
    event.preventDefault();
    const input = $("key");
    const key = input.value.trim();
    $("sign-in-error").textContent = "";
    if (!/^7loc_sc_[A-Za-z0-9_-]{16,128}$/.test(key)) {
      $("sign-in-error").textContent = "That does not look like a 7stamp API key: it starts with 7loc_sc_ followed by at least 16 letters or digits.";
      return;
    }
    sessionStorage.setItem(KEY, key);
    input.value = "";
    try {
      await start();
    } catch (e) {
      if (sessionStorage.getItem(KEY)) signOut(e.message);
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    $("app").hidden = true;
    $("who").hidden = true;
    $("sign-in").hidden = false;
    $("notice").hidden = true;
    $("sign-in-error").textContent = typeof message === "string" ? message : "";
    for (const id of ["hooks", "log", "events"]) $(id).querySelector("tbody").replaceChildren();
    $("connection-notices").hidden = true;
    $("detail").hidden = true;
    $("key").focus();
  }

  async function start() {
    const me = await api("GET", "v1/me");
    $("location-name").textContent = me.location_name;
    $("business-name").textContent = me.business_name;
    $("location-id").textContent = me.location_id;
    $("staff-login").textContent = me.staff_login;
    $("mcp-url").textContent = new URL(BASE + "mcp", location.origin).href; // what an AI client connects to, with this key
    $("who-name").textContent = me.location_name;
    $("sign-in").hidden = true;
    $("app").hidden = false;
    $("who").hidden = false;
    const events = await api("GET", "v1/options/events");
    state.labels = Object.fromEntries(events.map((e) => [e.id, e.label]));
    const select = $("filter-event");
    select.replaceChildren(el("option", { value: "" }, "All events"), ...events.map((e) => el("option", { value: e.id }, e.label)));
    await refresh();
  }

  async function refresh() {
    const parts = [loadHooks(), loadChart(), loadLog(false), loadEvents()];
    const results = await Promise.allSettled(parts);
    const failed = results.find((r) => r.status === "rejected" && r.reason.message !== "Not signed in");
    if (failed) notify(failed.reason.message, "bad");
  }

  // -- subscriptions -----------------------------------------------------------------------------
  async function loadHooks() {
    state.hooks = await api("GET", "v1/hooks");
    const body = $("hooks").querySelector("tbody");
    body.replaceChildren(...state.hooks.map(hookRow));
    // the location's link with 7stamp (registration lost and restored, enrichment key revoked), as the connector words it
    const notices = (state.hooks[0] && state.hooks[0].connection && state.hooks[0].connection.notices) || [];
    $("connection-notices").replaceChildren(...notices.map((n) => el("li", {}, n)));
    $("connection-notices").hidden = notices.length === 0;
    $("hooks").hidden = state.hooks.length === 0;
    $("hooks-empty").hidden = state.hooks.length > 0;
  }

  function hookRow(h) {
    let detail = null;
    if (h.status === "failing") detail = `since ${when(h.failing_since)}`;
    if (h.status === "disabled") detail = `${h.disabled_reason || "disabled"}, ${when(h.disabled_at)}`;
    const c = h.counts_24h || {};
    const toggle = h.disabled
      ? el("button", { type: "button", class: "primary", onclick: () => setEnabled(h, true) }, "Enable")
      : el("button", { type: "button", onclick: () => setEnabled(h, false) }, "Disable");
    return el(
      "tr",
      { "data-hook-id": h.id, class: `hook ${h.status}` },
      el("td", {}, el("strong", {}, label(h.event))),
      el("td", { class: "url", title: h.target_url }, hostOf(h.target_url)),
      el("td", {}, badge(h.status, HEALTH), detail ? el("div", { class: "small muted" }, detail) : null),
      el("td", {}, el("div", { class: "counts" },
        el("span", { class: "count ok", title: "Delivered" }, `${c.delivered || 0} delivered`),
        c.failed ? el("span", { class: "count bad", title: "Failed" }, `${c.failed} failed`) : null,
        c.pending ? el("span", { class: "count wait", title: "Waiting to retry" }, `${c.pending} waiting to retry`) : null)),
      el("td", {}, h.last_delivery_at ? [when(h.last_delivery_at), el("div", {}, badge(h.last_delivery_status, STATUS))] : el("span", { class: "muted" }, "Nothing sent yet")),
      el("td", { class: "buttons" },
        el("button", { type: "button", onclick: () => sendTest(h) }, "Send test"),
        c.pending ? el("button", { type: "button", onclick: () => retryNow(h) }, "Retry now") : null,
        el("button", { type: "button", onclick: () => replay(h) }, "Replay failed"),
        toggle,
        el("button", { type: "button", class: "danger", onclick: () => remove(h) }, "Delete")),
    );
  }

  async function sendTest(h) {
    notify(`Sending a test ${label(h.event)} event to ${hostOf(h.target_url)}…`, "info");
    try {
      const a = await api("POST", `v1/hooks/${encodeURIComponent(h.id)}/test`);
      const took = a.latency_ms !== null ? ` in ${Math.round(a.latency_ms)} ms` : "";
      if (a.ok) notify(`Test event sent: ${hostOf(h.target_url)} ${answerText(a)}${took}.`, "ok");
      else notify(`The test event did not arrive: ${hostOf(h.target_url)} ${answerText(a)}${took}. Check the address in your Zap or scenario.`, "bad");
    } catch (e) {
      notify(e.message, "bad");
    }
  }

  async function setEnabled(h, on) {
    try {
      await api("POST", `v1/hooks/${encodeURIComponent(h.id)}/${on ? "enable" : "disable"}`);
      notify(on ? `Enabled: new ${label(h.event)} events go to ${hostOf(h.target_url)} again. Use “Replay failed” to send the ones it missed.`
        : `Disabled: nothing is sent to ${hostOf(h.target_url)} until you enable it again.`, "ok");
      await refresh();
    } catch (e) {
      notify(e.message, "bad");
    }
  }

  function remove(h) {
    confirmBox({
      title: "Delete this subscription?",
      body: [el("p", {}, `${label(h.event)} events will no longer be sent to ${h.target_url}. The Zap or scenario that uses it stops receiving them.`)],
      ok: "Delete",
      run: async () => {
        await api("DELETE", `v1/hooks/${encodeURIComponent(h.id)}`);
        notify(`Deleted the subscription to ${hostOf(h.target_url)}.`, "ok");
        await refresh();
      },
    });
  }

  // a delivery counts as failed only after its last retry (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 28 hours)
  const waitingText = (n) => n === 0 ? ""
    : ` ${n} ${n === 1 ? "delivery is" : "deliveries are"} still waiting for a retry (a delivery counts as failed only after`
      + " its last retry, about 28 hours after the event): use “Retry now” to send them at once.";

  async function retryNow(h) {
    notify(`Sending the waiting ${label(h.event)} deliveries to ${hostOf(h.target_url)} now…`, "info");
    try {
      const r = await api("POST", `v1/hooks/${encodeURIComponent(h.id)}/retry`);
      const failed = r.failed ? ` ${r.failed} failed ${r.failed === 1 ? "delivery is" : "deliveries are"} left: “Replay failed” sends them.` : "";
      notify(`${r.retried} waiting ${r.retried === 1 ? "delivery is" : "deliveries are"} on the way to ${hostOf(h.target_url)} now.${failed}`, "ok");
      await refresh();
    } catch (e) {
      notify(e.message, "bad");
    }
  }

  function replay(h) {
    const since = el("input", { type: "datetime-local", id: "replay-since" });
    const all = el("input", { type: "radio", name: "replay-scope", value: "all", checked: true, id: "replay-all" });
    const from = el("input", { type: "radio", name: "replay-scope", value: "since", id: "replay-from" });
    const body = [
      el("p", {}, `Send the failed ${label(h.event)} deliveries to ${hostOf(h.target_url)} again.`),
      el("label", { class: "choice" }, all, " All failed deliveries"),
      el("label", { class: "choice" }, from, " Failed deliveries of events received since ", since),
    ];
    const sinceValue = () => (from.checked && since.value ? new Date(since.value).toISOString() : undefined);
    confirmBox({
      title: "Replay failed deliveries",
      body,
      ok: "Send again",
      count: async () => {
        if (from.checked && !since.value) return { text: "Choose the time to start from.", n: 0 };
        const r = await api("POST", `v1/hooks/${encodeURIComponent(h.id)}/replay`, { dry_run: true, since: sinceValue() });
        if (r.would_replay === 0) return { text: `There is nothing to send again: no failed deliveries in that range.${waitingText(r.waiting)}`, n: 0 };
        const n = r.would_replay;
        return { text: `This will send ${n} failed ${n === 1 ? "delivery" : "deliveries"} again.${waitingText(r.waiting)}`, n };
      },
      watch: [all, from, since],
      run: async () => {
        const r = await api("POST", `v1/hooks/${encodeURIComponent(h.id)}/replay`, { since: sinceValue() });
        notify(`${r.replayed} ${r.replayed === 1 ? "delivery is" : "deliveries are"} on the way to ${hostOf(h.target_url)} again.`, "ok");
        await refresh();
      },
    });
  }

  // -- a confirmation that first says how many it will send ---------------------------------------------
  function confirmBox({ title, body, ok, count, watch, run }) {
    const dialog = $("confirm");
    const okButton = $("confirm-ok");
    $("confirm-title").textContent = title;
    $("confirm-body").replaceChildren(...body);
    $("confirm-error").textContent = "";
    $("confirm-count").textContent = "";
    okButton.textContent = ok;
    okButton.className = ok === "Delete" ? "danger" : "primary";
    const recount = async () => {
      if (!count) {
        okButton.disabled = false;
        return;
      }
      okButton.disabled = true;
      $("confirm-count").textContent = "Counting…";
      try {
        const c = await count();
        $("confirm-count").textContent = c.text;
        okButton.disabled = c.n === 0;
        okButton.textContent = c.n ? `${ok} (${c.n})` : ok;
      } catch (e) {
        $("confirm-count").textContent = "";
        $("confirm-error").textContent = e.message;
      }
    };
    for (const input of watch || []) input.addEventListener("change", recount);
    okButton.onclick = async () => {
      okButton.disabled = true;
      try {
        await run();
        dialog.close();
      } catch (e) {
        $("confirm-error").textContent = e.message;
        okButton.disabled = false;
      }
    };
    $("confirm-cancel").onclick = () => dialog.close();
    dialog.showModal();
    recount();
  }

  // -- the chart -----------------------------------------------------------------------------------------
  async function loadChart() {
    const hours = await api("GET", "v1/deliveries/hourly");
    drawChart(hours);
  }

  function drawChart(hours) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = (tag, attrs) => {
      const node = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      return node;
    };
    const box = $("chart");
    const total = hours.reduce((sum, h) => sum + CHART.reduce((s, [k]) => s + (h[k] || 0), 0), 0);
    const W = 720, H = 180, left = 36, bottom = 22, top = 8;
    const highest = Math.max(1, ...hours.map((h) => CHART.reduce((s, [k]) => s + (h[k] || 0), 0)));
    const max = highest === 1 ? 1 : highest + (highest % 2); // even, so the middle line is a whole number
    const step = (W - left) / hours.length;
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Deliveries per hour over the last 24 hours: ${total} in all` });
    for (const frac of max === 1 ? [0, 1] : [0, 0.5, 1]) {
      const y = top + (H - bottom - top) * (1 - frac);
      chart.append(svg("line", { x1: left, x2: W, y1: y, y2: y, class: "gridline" }));
      const t = svg("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" });
      t.textContent = String(Math.round(max * frac));
      chart.append(t);
    }
    hours.forEach((h, i) => {
      let y = H - bottom;
      const x = left + i * step + 2;
      for (const [key, name, tone] of CHART) {
        const n = h[key] || 0;
        if (!n) continue;
        const height = ((H - bottom - top) * n) / max;
        y -= height;
        const rect = svg("rect", { x, y, width: Math.max(1, step - 4), height, class: `bar ${tone}`, rx: 2 });
        const tip = svg("title", {});
        tip.textContent = `${new Date(h.hour).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}: ${n} ${name.toLowerCase()}`;
        rect.append(tip);
        chart.append(rect);
      }
      if (i % 4 === 0) {
        const t = svg("text", { x: x + (step - 4) / 2, y: H - 6, class: "axis", "text-anchor": "middle" });
        t.textContent = new Date(h.hour).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
        chart.append(t);
      }
    });
    box.replaceChildren(chart);
    if (total === 0) box.append(el("p", { class: "empty overlay" }, "No deliveries in the last 24 hours. They appear here as soon as events reach your subscriptions."));
    $("legend").replaceChildren(...CHART.map(([key, name, tone]) => {
      const n = hours.reduce((s, h) => s + (h[key] || 0), 0);
      return el("li", {}, el("span", { class: `swatch ${tone}` }), `${name} `, el("strong", {}, String(n)));
    }));
  }

  // -- the delivery log -------------------------------------------------------------------------------------
  function readFilters() {
    const since = $("filter-since").value;
    return { status: $("filter-status").value, event: $("filter-event").value, since: since ? new Date(since).toISOString().replace(/\.\d+Z$/, "Z") : "" };
  }

  async function loadLog(more) {
    if (!more) {
      state.filters = readFilters();
      state.logNext = null;
      $("detail").hidden = true;
    }
    const params = new URLSearchParams({ limit: "50" });
    for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
    if (more && state.logNext) params.set("page", state.logNext);
    const page = await api("GET", `v1/deliveries?${params}`);
    const body = $("log").querySelector("tbody");
    const rows = page.deliveries.map(logRow);
    if (more) body.append(...rows);
    else body.replaceChildren(...rows);
    state.logNext = page.next;
    $("log-more").hidden = !page.next;
    const empty = body.children.length === 0;
    $("log").hidden = empty;
    $("log-empty").hidden = !empty;
    const filtered = Object.values(state.filters).some(Boolean);
    $("log-empty").textContent = filtered
      ? "No deliveries match these filters. Choose “All” or an earlier time to see more."
      : "Nothing has been delivered yet. Deliveries appear here when an event reaches one of your subscriptions; use “Send test” above to try one now.";
  }

  function logRow(d) {
    const last = d.last_status_code ? String(d.last_status_code) : d.last_error || "—";
    return el(
      "tr",
      { class: "clickable", tabindex: "0", "data-event-id": d.event_id, "data-hook-id": d.hook_id, onclick: () => showDetail(d),
        onkeydown: (e) => { if (e.key === "Enter") showDetail(d); } },
      el("td", {}, when(d.received_at)),
      el("td", {}, label(d.event)),
      el("td", { class: "url" }, hookTarget(d.hook_id)),
      el("td", {}, badge(d.status, STATUS)),
      el("td", {}, String(d.attempts)),
      el("td", {}, last),
      el("td", {}, d.last_latency_ms !== null && d.last_latency_ms !== undefined ? `${Math.round(d.last_latency_ms)} ms` : "—"),
    );
  }

  function showDetail(d) {
    const box = $("detail");
    const attempts = d.history.length
      ? el("ol", { class: "attempts" }, d.history.map((a) =>
        el("li", {},
          el("div", { class: "attempt-head" }, badge(a.ok ? "delivered" : "failed", STATUS), ` ${when(a.at)} · ${answerText(a)}`,
            a.latency_ms !== null ? ` · ${Math.round(a.latency_ms)} ms` : ""),
          a.answer ? el("pre", { class: "answer" }, a.answer) : el("div", { class: "small muted" }, "No answer body")),
      ))
      : el("p", { class: "muted" }, "No attempt yet: it is about to be sent.");
    const next = d.next_attempt_at ? el("p", {}, `Next try: ${when(d.next_attempt_at)}`) : null;
    const parts = [
      el("div", { class: "detail-head" },
        el("h3", {}, `${label(d.event)} → ${hookTarget(d.hook_id)}`),
        el("button", { type: "button", class: "ghost", onclick: () => { box.hidden = true; } }, "Close")),
      el("p", { class: "small muted" }, `Event ${d.event_id}, received ${when(d.received_at)}`),
      next,
      el("h4", {}, "Attempts"),
      attempts,
      el("button", { type: "button", class: "primary", onclick: () => resend(d) }, "Send this delivery again"),
    ];
    box.replaceChildren(...parts.filter(Boolean));
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function resend(d) {
    confirmBox({
      title: "Send this delivery again?",
      body: [el("p", {}, `The ${label(d.event)} event ${d.event_id} goes to ${hookTarget(d.hook_id)} once more, with the same webhook-id.`)],
      ok: "Send again",
      count: async () => ({ text: "This will send 1 delivery again.", n: 1 }),
      run: async () => {
        await api("POST", `v1/hooks/${encodeURIComponent(d.hook_id)}/deliveries/${encodeURIComponent(d.event_id)}/resend`);
        notify("The delivery is on its way again.", "ok");
        await refresh();
      },
    });
  }

  // -- recent events ----------------------------------------------------------------------------------------------
  async function loadEvents() {
    const q = $("search-q").value.trim();
    const events = await api("GET", `v1/events${q ? `?q=${encodeURIComponent(q)}` : ""}`);
    const body = $("events").querySelector("tbody");
    body.replaceChildren(...events.map((e) => {
      const c = e.customer || {};
      const card = e.card || {};
      const progress = card.stamps !== undefined && card.stamps_required ? `${card.stamps} of ${card.stamps_required} stamps` : "—";
      return el("tr", {},
        el("td", {}, when(receivedOf(e.id))),
        el("td", {}, label(e.event)),
        el("td", {}, c.name || c.email || c.id || "—", c.email && c.name ? el("div", { class: "small muted" }, c.email) : null),
        el("td", {}, progress),
        el("td", { class: "mono small" }, e.id));
    }));
    $("events").hidden = events.length === 0;
    $("events-empty").hidden = events.length > 0;
    $("events-empty").textContent = q
      ? `No recent event of “${q}”. Check the spelling, or search by customer ID or card ID.`
      : "No events yet. They appear here as soon as something happens on your loyalty cards, for example when a stamp is added.";
  }

  // -- wiring --------------------------------------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", () => signOut(""));
    $("refresh").addEventListener("click", () => refresh());
    $("filters").addEventListener("submit", (e) => {
      e.preventDefault();
      loadLog(false).catch((err) => notify(err.message, "bad"));
    });
    $("log-more").addEventListener("click", () => loadLog(true).catch((err) => notify(err.message, "bad")));
    $("search").addEventListener("submit", (e) => {
      e.preventDefault();
      loadEvents().catch((err) => notify(err.message, "bad"));
    });
    if (sessionStorage.getItem(KEY)) start().catch((e) => signOut(e.message));
    else $("key").focus();
  });
})();
