// Kiosk and panel screens. The device token arrives once as ?token= and is kept in localStorage;
// every call goes to the device API with it. Anything an owner said is set with textContent only.
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("screen-data").textContent);
  const T = cfg.text.screen;
  const STATUS = cfg.text.status;
  const STEPS = ["assigned", "acknowledged", "en_route", "on_site", "resolved"];
  const OPEN = ["new", "assigned", "acknowledged", "in_progress"];
  const tokenKey = "guanjia.device-token." + cfg.device;
  const params = new URLSearchParams(location.search);
  if (params.get("token")) {
    localStorage.setItem(tokenKey, params.get("token"));
    params.delete("token");
    history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
  }
  const token = localStorage.getItem(tokenKey);
  let lang = params.get("lang") === "en" ? "en" : "zh";
  let sessionId = null;
  let ownerId = null;
  const tracked = new Map(); // request id -> latest summary
  const myClientIds = new Set();

  const $ = (id) => document.getElementById(id);
  const t = (key) => T[lang][key] || T.zh[key] || key;

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = t(n.dataset.t); });
    document.querySelectorAll("[data-t-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.tPlaceholder); });
    document.querySelectorAll("[data-zh]").forEach((n) => { n.textContent = n.dataset[lang] || n.dataset.zh; });
    greet();
    renderRequests();
  }

  function localHour() {
    const h = new Intl.DateTimeFormat("en-GB", {timeZone: cfg.timezone, hour: "numeric", hourCycle: "h23"}).format(new Date());
    return parseInt(h, 10);
  }

  function greet(name) {
    const h = localHour();
    const part = h < 12 ? "greeting_morning" : h < 18 ? "greeting_afternoon" : "greeting_evening";
    $("greeting").textContent = name ? (lang === "zh" ? name + "，" + t(part) : t(part) + ", " + name) : t(part);
  }

  function tickClock() {
    $("clock").textContent = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB",
      {timeZone: cfg.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).format(new Date());
  }

  function showHeard(text) { $("heard").textContent = text; $("heard-line").hidden = false; }
  function showReply(text) { $("reply").textContent = text; $("reply-line").hidden = false; }
  function showConfirm(on) {
    $("confirm").hidden = !on;
    $("common").hidden = on; // while a yes/no is asked, only yes and no (and SOS, call my butler) are offered
  }

  function statusKey(s) {
    if (s.status === "in_progress") return s.on_site_at ? "on_site" : "en_route";
    return s.status === "new" ? "assigned" : s.status;
  }

  function renderRequests() {
    const list = $("requests");
    list.replaceChildren();
    const open = [...tracked.values()].filter((s) => OPEN.includes(s.status) || s.status === "resolved")
      .sort((a, b) => b.id - a.id).slice(0, 4);
    for (const s of open) {
      const li = document.createElement("li");
      li.className = "card req prio-" + (s.priority || "normal");
      li.dataset.id = s.id;
      const head = document.createElement("div");
      head.className = "card-head";
      const cat = document.createElement("span");
      cat.className = "cat";
      cat.textContent = categoryName(s.category);
      const st = document.createElement("span");
      st.className = "status";
      st.textContent = STATUS[lang][statusKey(s)] || s.status;
      head.append(cat, st);
      const steps = document.createElement("ol");
      steps.className = "steps";
      const at = STEPS.indexOf(statusKey(s));
      STEPS.forEach((step, i) => {
        const dot = document.createElement("li");
        dot.className = i <= at ? "done" : "";
        dot.textContent = STATUS[lang][step];
        steps.appendChild(dot);
      });
      li.append(head, steps);
      if (s.assignee && s.assignee.name) {
        const who = document.createElement("p");
        who.className = "who";
        who.textContent = t("handled_by") + (lang === "zh" ? "：" : ": ") + s.assignee.name;
        li.appendChild(who);
      }
      list.appendChild(li);
    }
    $("no-requests").hidden = open.length > 0;
  }

  const CATEGORY = {
    zh: {repair_request: "报修", emergency: "紧急求助", cleaning_request: "保洁", parcel_service: "快递",
      visitor_access: "访客", parking: "停车", bill_payment: "代缴费用", errand: "代买代办", complaint: "投诉",
      activity_booking: "活动预约", home_watch: "房屋代管", health_service: "健康服务", call_butler: "呼叫管家"},
    en: {repair_request: "Repair", emergency: "Emergency", cleaning_request: "Cleaning", parcel_service: "Parcels",
      visitor_access: "Visitor", parking: "Parking", bill_payment: "Bill payment", errand: "Errand",
      complaint: "Complaint", activity_booking: "Booking", home_watch: "Home watch", health_service: "Health",
      call_butler: "Call my butler"},
  };
  function categoryName(c) { return CATEGORY[lang][c] || c; }

  function track(s) {
    if (!s || !s.id) return;
    tracked.set(s.id, Object.assign({}, tracked.get(s.id) || {}, s));
    renderRequests();
  }

  function clientId() {
    const id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
    myClientIds.add(id);
    return id;
  }

  async function call(path, body) {
    const res = await fetch("/api/v1/devices/" + encodeURIComponent(cfg.device) + path, {
      method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
      body: JSON.stringify(body)});
    const payload = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((payload.error && payload.error.message) || res.statusText);
    return payload;
  }

  async function say(text, channel) {
    if (!token || !text.trim()) return;
    showHeard(text);
    showConfirm(false);
    const body = {text: text, lang: lang, channel: channel, id: clientId()};
    if (sessionId) body.session_id = sessionId;
    if (ownerId) body.owner_id = ownerId;
    try {
      const res = await call("/utterances", body);
      sessionId = res.session_id;
      showReply(res.reply.text);
      showConfirm(res.expect === "confirm");
      if (res.request) track(res.request);
    } catch (err) {
      showReply(t("error"));
    }
  }

  async function touch(category, message) {
    if (!token) return;
    const body = {category: category, lang: lang};
    if (ownerId) body.owner_id = ownerId;
    showConfirm(false);
    try {
      const res = await call("/requests", body);
      showReply(t(message));
      track(res.request);
    } catch (err) {
      showReply(t("error"));
    }
  }

  function showNotice(a, first) {
    const list = $("announcements");
    if (!list) return;
    const li = document.createElement("li");
    li.className = "card notice";
    li.dataset.zh = a.text_zh || "";
    li.dataset.en = a.text_en || a.text_zh || "";
    li.textContent = li.dataset[lang];
    if (first) list.prepend(li); else list.appendChild(li);
  }

  async function start() {
    if (!token) { $("unpaired").hidden = false; return; }
    try {
      const res = await fetch("/api/v1/devices/" + encodeURIComponent(cfg.device) + "/screen",
        {headers: {"Authorization": "Bearer " + token}});
      if (res.status === 401 || res.status === 403) { $("unpaired").hidden = false; return; }
      const state = await res.json();
      for (const s of state.requests || []) tracked.set(s.id, s);
      for (const a of state.announcements || []) showNotice(a, false);
      renderRequests();
    } catch (err) { $("offline").hidden = false; }
    const source = new EventSource("/api/v1/events?access_token=" + encodeURIComponent(token));
    source.onopen = () => { $("offline").hidden = true; document.body.dataset.live = "1"; };
    source.onerror = () => { $("offline").hidden = false; };
    const onRequest = (ev) => {
      const s = JSON.parse(ev.data).data;
      if (tracked.has(s.id) || (cfg.unit && s.unit === cfg.unit)) track(s);
    };
    ["request.created", "request.updated", "request.escalated"].forEach((k) => source.addEventListener(k, onRequest));
    source.addEventListener("announcement", (ev) => showNotice(JSON.parse(ev.data).data, true));
    source.addEventListener("owner.arrived", (ev) => {
      // The camera recognised an owner here: greet them (by name unless they asked not to be named
      // in public) and file what they ask for under their name until the kiosk goes idle.
      const d = JSON.parse(ev.data).data || {};
      ownerId = d.owner_id || ownerId;
      sessionId = null;
      const text = typeof d.greeting === "string" ? d.greeting : (d.greeting && d.greeting.text);
      if (text) showReply(text);
      greet(d.neutral ? null : d.name);
      touched();
    });
    source.addEventListener("device.utterance", (ev) => {
      const d = JSON.parse(ev.data).data || {};
      if (d.client_id && myClientIds.has(d.client_id)) return; // typed here: already shown
      showHeard(d.text || "");
      if (d.reply) showReply(d.reply);
      showConfirm(d.expect === "confirm");
      if (d.session_id) sessionId = d.session_id;
    });
  }

  // A lobby kiosk serves one person after another: after a quiet spell it forgets who was there.
  const IDLE_MS = 120000;
  let idleTimer = null;
  function touched() {
    if (cfg.kind !== "kiosk") return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      ownerId = null;
      sessionId = null;
      tracked.clear();
      $("heard-line").hidden = true;
      $("reply-line").hidden = true;
      showConfirm(false);
      if (lang !== "zh") { lang = "zh"; applyLang(); } else { greet(); renderRequests(); }
    }, IDLE_MS);
  }
  document.addEventListener("pointerdown", touched);
  document.addEventListener("keydown", touched);

  $("typed").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("text");
    const text = input.value;
    input.value = "";
    say(text, "text");
  });
  document.querySelectorAll("[data-say]").forEach((b) => b.addEventListener("click", () => say(t(b.dataset.say), "touch")));
  $("confirm-yes").addEventListener("click", () => say(t("say_yes"), "touch"));
  $("confirm-no").addEventListener("click", () => say(t("say_no"), "touch"));
  $("sos").addEventListener("click", () => touch("emergency", "sos_sent"));
  $("call-butler").addEventListener("click", () => touch("call_butler", "butler_called"));
  $("lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; applyLang(); tickClock(); });

  applyLang();
  tickClock();
  setInterval(tickClock, 10000);
  start();
})();
