// Trainer pages: copy all links, the time zone of the new-cohort form, and
// the cohort's live progress over server-sent events. Every page works
// without it: the server renders the same counts and grid.
(function () {
  "use strict";
  const messages = document.getElementById("trainer-messages")?.dataset ?? {};

  // ---- Copy all links ----
  const copy = document.getElementById("copy-all");
  const all = document.getElementById("all-links");
  const copyStatus = document.getElementById("copy-status");
  if (copy && all) {
    copy.hidden = false;
    copy.addEventListener("click", async () => {
      try {
        if (!navigator.clipboard) throw new Error("no clipboard");
        await navigator.clipboard.writeText(all.value);
        copyStatus.textContent = messages.copied || "";
      } catch (e) {
        // Fallback: show the text, selected, for Ctrl+C.
        document.getElementById("all-links-box").open = true;
        all.focus();
        all.select();
        copyStatus.textContent = messages.copyFailed || "";
      }
    });
  }
  for (const input of document.querySelectorAll("input.link")) {
    input.addEventListener("focus", () => input.select());
  }

  // A form sent back with mistakes: start at the list of them.
  document.getElementById("error-summary")?.focus();

  // ---- New cohort: times in the browser's own zone ----
  const form = document.getElementById("cohort-form");
  const zoneInput = document.getElementById("time_zone");
  const browserZone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = (zone) =>
    Array.from(document.querySelectorAll("#time-zones option")).some((o) => o.value === zone);
  if (form && form.dataset.fresh === "true" && zoneInput && browserZone &&
      browserZone !== zoneInput.value && known(browserZone)) {
    // The server filled the times in its own zone: show the same instants
    // in the browser's, and say which zone that is.
    const local = new Intl.DateTimeFormat("sv-SE", {
      timeZone: browserZone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    zoneInput.value = browserZone;
    for (const id of ["starts_at", "ends_at"]) {
      const input = document.getElementById(id);
      const at = Date.parse(input?.dataset.utc || "");
      if (!Number.isNaN(at)) input.value = local.format(new Date(at)).replace(" ", "T");
    }
  }

  // ---- Live progress ----
  const main = document.querySelector("main[data-events]");
  if (!main || !window.EventSource) return;
  const liveState = document.getElementById("live-state");
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const setText = (id, text) => {
    const e = document.getElementById(id);
    if (e && e.textContent !== String(text)) e.textContent = String(text);
  };

  function row(l) {
    const tr = el("tr", null, l.stuck ? "stuck" : "");
    tr.append(el("td", l.position, "num"));
    const th = el("th");
    th.scope = "row";
    const a = el("a", l.name);
    a.href = l.url;
    th.append(a);
    tr.append(th, el("td", l.sandbox));
    for (const c of l.cells) {
      const td = el("td", null, "cell " + c.state);
      td.title = c.description;
      const shown = el("span", c.text);
      shown.setAttribute("aria-hidden", "true");
      td.append(shown, el("span", c.description, "sr-only"));
      tr.append(td);
    }
    tr.append(el("td", l.current), el("td", l.last_activity));
    const stuck = el("td");
    if (l.stuck) stuck.append(el("span", "⚠ " + (l.stuck_reason || ""), "stuck-mark"));
    tr.append(stuck);
    return tr;
  }

  let lastGrid = "";
  function update(data) {
    const counts = data.pool.counts;
    for (const k of ["ready", "provisioning", "claimed", "failed"]) setText("count-" + k, counts[k]);
    const s = data.summary;
    setText("pool-summary", s.text);
    const bar = document.getElementById("pool-progress");
    if (bar) {
      bar.setAttribute("aria-valuemax", String(s.max));
      bar.setAttribute("aria-valuenow", String(s.value));
      bar.querySelector(".bar").setAttribute("width", String(s.percent));
    }
    const failing = document.getElementById("pool-failing");
    if (failing) {
      failing.hidden = !s.failing;
      if (s.failing) setText("pool-failing", s.failing);
    }
    const grid = JSON.stringify(data.grid.learners);
    const body = document.getElementById("grid-body");
    if (body && grid !== lastGrid) {
      lastGrid = grid;
      body.replaceChildren(...data.grid.learners.map(row));
    }
  }

  const source = new EventSource(main.dataset.events);
  source.addEventListener("progress", (event) => {
    try {
      update(JSON.parse(event.data));
    } catch (e) {
      console.error("live progress", e);
    }
  });
  source.addEventListener("open", () => {
    liveState.hidden = false;
    liveState.textContent = messages.live || "";
  });
  source.addEventListener("error", () => {
    liveState.hidden = false;
    liveState.textContent = messages.reconnecting || "";
  });
})();
