// Butler console: live queue over the hub's event stream (session cookie), countdowns, actions.
// Owner-supplied text is only ever set with textContent, never parsed as HTML.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("console-data").textContent);
  const W = data.words;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const skewMs = Date.parse(data.server_now) - Date.now(); // hub clock minus this browser's clock
  const OPEN = ["new", "assigned", "acknowledged", "in_progress"];
  let audio = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function statusKey(s) {
    if (s.status === "in_progress") return s.on_site_at ? "on_site" : "en_route";
    return s.status;
  }

  function chime(urgent) {
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
    if (!audio) return;
    try {
      const beeps = urgent ? [0, 0.25, 0.5] : [0];
      for (const at of beeps) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = urgent ? 988 : 784;
        gain.gain.setValueAtTime(0.25, audio.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.22);
      }
    } catch (err) { /* no sound device: the highlight still shows */ }
  }

  const toggle = document.getElementById("chime-toggle");
  if (toggle) {
    toggle.addEventListener("click", () => {
      try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); } catch (e) { audio = null; }
      toggle.textContent = toggle.dataset.on;
      chime(false);
    });
  }

  function fmt(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  function tick() {
    const now = Date.now() + skewMs;
    document.querySelectorAll("[data-id][data-status]").forEach((row) => {
      const cell = row.querySelector(".countdown");
      if (!cell) return;
      const deadline = row.dataset.deadline;
      if (!deadline) {
        cell.textContent = ["new", "assigned"].includes(row.dataset.status) ? "—" : "✓ " + W.ui.stopped;
        cell.className = "countdown stopped";
        return;
      }
      const left = Date.parse(deadline) - now;
      cell.textContent = left >= 0 ? fmt(left) : W.ui.overdue + " +" + fmt(left);
      cell.className = "countdown " + (left < 0 ? "late" : left < 60000 ? "soon" : "running");
    });
  }

  function enableButtons(row) {
    const status = row.dataset.status;
    const open = OPEN.includes(status);
    row.querySelectorAll("button.act").forEach((b) => {
      const a = b.dataset.action;
      b.disabled = !open || (a === "ack" && !["new", "assigned"].includes(status)) ||
        (a === "start" && status === "in_progress") || (a === "arrive" && !!row.dataset.onSite);
    });
  }

  function fillRow(row, s) {
    row.dataset.status = s.status;
    row.dataset.deadline = s.ack_deadline || "";
    row.dataset.onSite = s.on_site_at || "";
    row.classList.remove("prio-emergency", "prio-repair", "prio-normal");
    row.classList.add("prio-" + s.priority);
    const status = row.querySelector(".status");
    if (status) status.textContent = W.status[statusKey(s)] || s.status;
    const assignee = row.querySelector(".assignee");
    if (assignee) {
      assignee.textContent = (s.assignee.name || "") + " ";
      assignee.appendChild(el("small", {}, W.role[s.assignee.role] || s.assignee.role));
    }
    enableButtons(row);
  }

  function buildRow(s) {
    const row = el("tr", {id: "req-" + s.id, class: "req", "data-id": s.id, "data-status": s.status});
    const link = el("a", {href: data.request_url.replace(/\/0$/, "/" + s.id)}, s.id);
    row.appendChild(el("td")).appendChild(link);
    const cat = row.appendChild(el("td", {class: "cat"}));
    cat.appendChild(el("span", {class: "prio"}, W.priority[s.priority] || s.priority));
    cat.appendChild(document.createTextNode(" " + (W.category[s.category] || s.category)));
    row.appendChild(el("td", {class: "text"}, s.summary || s.text));
    const owner = row.appendChild(el("td", {class: "owner"}));
    const known = s.owner_id && data.owners[s.owner_id];
    if (known) owner.appendChild(el("a", {href: data.owner_url.replace("OWNER", encodeURIComponent(s.owner_id))}, known.name));
    owner.appendChild(el("span", {class: "unit"}, " " + (s.unit || "")));
    row.appendChild(el("td", {class: "assignee"}));
    row.appendChild(el("td", {class: "status"}));
    row.appendChild(el("td", {class: "countdown"}, "—"));
    const actions = el("div", {class: "actions", "data-id": s.id});
    for (const a of ["ack", "start", "arrive", "resolve"]) {
      actions.appendChild(el("button", {type: "button", class: "act", "data-action": a}, W.ui[a]));
    }
    actions.appendChild(el("a", {class: "button", href: link.getAttribute("href") + "#reassign"}, W.ui.reassign));
    row.appendChild(el("td")).appendChild(actions);
    fillRow(row, s);
    return row;
  }

  function updateCount() {
    const rows = document.querySelectorAll("#queue tbody tr").length;
    const count = document.getElementById("count");
    if (count) count.textContent = rows;
    const empty = document.getElementById("empty");
    if (empty) empty.hidden = rows > 0;
  }

  function apply(s, isNew) {
    const row = document.getElementById("req-" + s.id);
    if (data.detail) {
      if (row) location.reload(); // the timeline is drawn by the hub
      return;
    }
    const tbody = document.querySelector("#queue tbody");
    if (!OPEN.includes(s.status)) {
      if (row) row.remove();
    } else if (row) {
      fillRow(row, s);
    } else if (tbody) {
      const fresh = buildRow(s);
      fresh.classList.add("fresh");
      if (s.priority === "emergency") tbody.prepend(fresh); else tbody.appendChild(fresh);
      chime(s.priority === "emergency");
    }
    if (isNew === "escalated" && row) { row.classList.add("fresh", "escalated"); chime(true); }
    updateCount();
    tick();
  }

  async function act(id, action, body) {
    const url = data.action_url.replace("/0/ACTION", "/" + id + "/" + action);
    const res = await fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify(body || {})});
    const payload = await res.json().catch(() => ({}));
    if (!res.ok) { alert((payload.error && payload.error.message) || res.statusText); return; }
    if (data.detail) location.reload(); else apply(payload);
  }

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("button.act");
    if (!button) return;
    const box = button.closest(".actions");
    button.disabled = true;
    act(box.dataset.id, button.dataset.action);
  });

  const reassign = document.getElementById("reassign");
  if (reassign) {
    reassign.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const form = new FormData(reassign);
      const body = form.get("staff_id") ? {staff_id: form.get("staff_id")} : {role: form.get("role")};
      act(reassign.dataset.id, "reassign", body);
    });
  }

  document.querySelectorAll("[data-id][data-status]").forEach(enableButtons);
  tick();
  setInterval(tick, 1000);

  const live = document.getElementById("live");
  const source = new EventSource("/api/v1/events");
  source.onopen = () => { document.body.dataset.live = "1"; if (live) { live.textContent = "● " + live.dataset.live; live.className = "live on"; } };
  source.onerror = () => { if (live) { live.textContent = live.dataset.offline; live.className = "live off"; } };
  const handle = (kind) => (ev) => { try { apply(JSON.parse(ev.data).data, kind); } catch (e) { console.error(e); } };
  source.addEventListener("request.created", handle("created"));
  source.addEventListener("request.updated", handle("updated"));
  source.addEventListener("request.escalated", handle("escalated"));
  source.addEventListener("request.removed", (ev) => {  // reassigned to someone this person cannot see it through
    try {
      const row = document.getElementById("req-" + JSON.parse(ev.data).data.id);
      if (row && !data.detail) { row.remove(); updateCount(); }
    } catch (e) { console.error(e); }
  });
})();
