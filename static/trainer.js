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
  // Writes only what changed: an element whose text stays is not touched,
  // so a selection in it or the focus on it survives every update.
  const put = (e, text) => {
    const value = text === undefined || text === null ? "" : String(text);
    if (e && e.textContent !== value) e.textContent = value;
  };
  const setText = (id, text) => put(document.getElementById(id), text);
  const setAttr = (e, name, value) => {
    if (e && e.getAttribute(name) !== value) e.setAttribute(name, value);
  };

  // A new row, laid out as the server renders one.
  function newRow(l) {
    const tr = el("tr");
    tr.dataset.learner = l.id;
    tr.append(el("td", l.position, "num"));
    const th = el("th");
    th.scope = "row";
    const a = el("a", l.name);
    a.href = l.url;
    th.append(a);
    const sandbox = el("td");
    sandbox.dataset.col = "sandbox";
    tr.append(th, sandbox);
    for (let i = 0; i < l.cells.length; i++) {
      const td = el("td");
      td.dataset.col = "cell";
      const shown = el("span");
      shown.setAttribute("aria-hidden", "true");
      td.append(shown, el("span", null, "sr-only"));
      tr.append(td);
    }
    for (const col of ["current", "last_activity", "stuck"]) {
      const td = el("td");
      td.dataset.col = col;
      tr.append(td);
    }
    tr.lastChild.append(el("span", null, "stuck-mark"));
    return tr;
  }

  // Brings a row up to date cell by cell.
  function patchRow(tr, l) {
    tr.classList.toggle("stuck", !!l.stuck);
    const col = (name) => tr.querySelector(`[data-col="${name}"]`);
    put(col("sandbox"), l.sandbox);
    const cells = tr.querySelectorAll('[data-col="cell"]');
    l.cells.forEach((c, i) => {
      const td = cells[i];
      if (!td) return;
      setAttr(td, "class", "cell " + c.state);
      setAttr(td, "title", c.description);
      put(td.children[0], c.text);
      put(td.children[1], c.description);
    });
    put(col("current"), l.current);
    put(col("last_activity"), l.last_activity);
    const mark = col("stuck").querySelector(".stuck-mark");
    if (mark) {
      mark.hidden = !l.stuck;
      put(mark, l.stuck ? "⚠ " + (l.stuck_reason || "") : "");
    }
  }

  // The grid's rows follow the learners by id: rows are kept and patched,
  // never rebuilt; only a learner new to the grid gets a new row.
  function updateGrid(learners) {
    const body = document.getElementById("grid-body");
    if (!body) return;
    const rows = new Map();
    for (const tr of body.querySelectorAll("tr[data-learner]")) rows.set(tr.dataset.learner, tr);
    let before = body.firstElementChild;
    for (const l of learners) {
      let tr = rows.get(l.id);
      rows.delete(l.id);
      if (!tr) tr = newRow(l);
      if (tr !== before) body.insertBefore(tr, before);
      before = tr.nextElementSibling;
      patchRow(tr, l);
    }
    for (const gone of rows.values()) gone.remove();
  }

  function update(data) {
    setText("cohort-status", data.status);
    const form = document.getElementById("launch-form");
    if (form && data.launch) {
      form.hidden = !data.launch.shown;
      if (data.launch.shown) {
        setText("launch", data.launch.label);
        setText("launch-hint", data.launch.hint);
      }
    }
    const counts = data.pool.counts;
    for (const k of ["ready", "provisioning", "claimed", "failed"]) setText("count-" + k, counts[k]);
    const s = data.summary;
    setText("pool-summary", s.text);
    const bar = document.getElementById("pool-progress");
    if (bar) {
      setAttr(bar, "aria-valuemax", String(s.max));
      setAttr(bar, "aria-valuenow", String(s.value));
      setAttr(bar.querySelector(".bar"), "width", String(s.percent));
    }
    const failing = document.getElementById("pool-failing");
    if (failing) {
      failing.hidden = !s.failing;
      if (s.failing) setText("pool-failing", s.failing);
    }
    // "N sandboxes are being prepared" is out of date once none is: the
    // live summary above says how the pool stands from then on.
    const notice = document.querySelector("#notice[data-until-prepared]");
    if (notice && data.pool.launched && counts.provisioning === 0) notice.remove();
    updateGrid(data.grid.learners);
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
