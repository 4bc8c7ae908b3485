// The learner page: Check without a page reload, and the workspace tabs.
// Without JavaScript the Check form still posts and the page shows the result.
(function () {
  "use strict";
  const messages = document.getElementById("messages")?.dataset ?? {};

  const form = document.querySelector(".check-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      const busy = form.querySelector(".checking");
      const feedback = document.querySelector(".feedback");
      button.disabled = true;
      busy.hidden = false;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.status === 410) {
          document.dispatchEvent(new CustomEvent("sandpit:sandbox-gone", { detail: { kind: "ended" } }));
          return;
        }
        if (!response.ok) {
          show(feedback, "error", messages.error, await response.text());
          return;
        }
        const result = await response.json();
        show(feedback, result.outcome, messages[result.outcome], result.feedback);
        if (result.progress) showProgress(result.progress);
        if (result.outcome === "passed") {
          markDone(document.getElementById("exercise")?.dataset.exercise);
          if (result.next) unlock(result.next);
          const next = document.querySelector(".next");
          const link = next.querySelector("a");
          link.href = result.completed ? location.pathname : location.pathname + "?step=" + encodeURIComponent(result.next);
          next.hidden = false;
          link.focus();
        }
      } catch (e) {
        show(feedback, "error", messages.network, "");
      } finally {
        button.disabled = false;
        busy.hidden = true;
      }
    });
  }

  function show(box, outcome, verdict, text) {
    box.className = "feedback " + outcome;
    box.replaceChildren();
    const p = document.createElement("p");
    p.className = "verdict";
    p.textContent = verdict || "";
    box.append(p);
    if (text) {
      const pre = document.createElement("pre");
      pre.className = "output";
      pre.textContent = text;
      box.append(pre);
    }
  }

  // The progress bar and its text, as the server counts them.
  function showProgress(progress) {
    const bar = document.querySelector(".progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(progress.done));
      bar.querySelector(".bar")?.setAttribute("width", String(progress.percent));
    }
    const text = document.querySelector(".progress-text");
    if (text) text.textContent = progress.text;
  }

  // The step the learner may go on to: a link in the list of steps.
  function unlock(id) {
    const li = document.querySelector('.steps .step.locked[data-step="' + CSS.escape(id) + '"]');
    const span = li?.querySelector("span[aria-disabled]");
    if (!span) return;
    const a = document.createElement("a");
    a.href = location.pathname + "?step=" + encodeURIComponent(id);
    a.textContent = span.firstChild?.textContent?.trim() ?? id;
    span.replaceWith(a);
    li.classList.replace("locked", "current");
  }

  function markDone(id) {
    for (const li of document.querySelectorAll(".steps .step")) {
      const a = li.querySelector("a");
      if (a && a.href.endsWith("step=" + id) && !li.classList.contains("done")) {
        li.classList.add("done");
        li.classList.remove("current");
        const tick = document.createElement("span");
        tick.className = "tick";
        tick.textContent = " ✓";
        li.append(tick);
      }
    }
  }

  // The sandbox's end, told by the terminal (its shell's sandbox went) or
  // by /progress (410): a banner that leads to the "ended" page.
  const endedBox = document.querySelector(".sandbox-ended");
  function showEnded(kind) {
    if (!endedBox || !endedBox.hidden) return;
    const failed = kind === "failed";
    endedBox.querySelector(".sandbox-ended-text").textContent = failed ? endedBox.dataset.failed : endedBox.dataset.ended;
    endedBox.querySelector(".sandbox-ended-link").textContent = failed ? endedBox.dataset.failedSee : endedBox.dataset.endedSee;
    endedBox.hidden = false;
    document.dispatchEvent(new CustomEvent("sandpit:ended"));
  }
  document.addEventListener("sandpit:sandbox-gone", (e) => showEnded(e.detail && e.detail.kind));

  // Leaving on purpose (a reload the page asks for) needs no "leave this
  // page?" question from the terminal's guard.
  function reload() {
    document.documentElement.dataset.leaving = "true";
    location.reload();
  }

  // Time: when the sandbox ends (a time of day, in the cohort's zone when
  // the box names one, else the browser's) and, while it is the nearer
  // end, how long it may stay unused before it is closed. Refreshed from
  // /progress: activity elsewhere moves the idle deadline on. The warning
  // shows near the end; at the end the page reloads to the "ended" page.
  const timeBox = document.querySelector(".time-box");
  if (timeBox) {
    const endLine = timeBox.querySelector(".time-end");
    const endClock = timeBox.querySelector(".end-clock");
    const idleLine = timeBox.querySelector(".time-idle");
    const idleCountdown = timeBox.querySelector(".idle-countdown");
    const warning = timeBox.querySelector(".expiry-warning");
    const limit = timeBox.querySelector(".extend-limit");
    const warnSeconds = Number(timeBox.dataset.warningSeconds || 300);
    const parse = (at) => (at ? Date.parse(at) : NaN);
    let ends = parse(timeBox.dataset.ends);
    let expires = parse(timeBox.dataset.expires);
    let idle = parse(timeBox.dataset.idleDeadline);
    let idleFirst = !timeBox.querySelector(".warning-idle").hidden;
    let over = false;
    // The cohort's zone, named when the browser's is another.
    const zone = timeBox.dataset.timeZone;
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const clock = (at) => {
      const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (zone) options.timeZone = zone;
      if (zone && zone !== own) options.timeZoneName = "short";
      const day = { day: "numeric", month: "short" };
      if (new Date(at).toDateString() !== new Date().toDateString()) Object.assign(options, day);
      try {
        return new Intl.DateTimeFormat(document.documentElement.lang, options).format(at);
      } catch (e) {
        return new Date(at).toISOString().slice(11, 16) + " UTC";
      }
    };
    const duration = (seconds) => Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    const apply = (t) => {
      if (!t || !("ends_at" in t)) return;
      ends = parse(t.ends_at);
      expires = parse(t.expires_at);
      idle = parse(t.idle_deadline);
      idleFirst = t.ending === "idle";
      timeBox.querySelector(".warning-idle").hidden = !idleFirst;
      timeBox.querySelector(".warning-expiry").hidden = idleFirst;
      if (t.extend_limit_text) {
        limit.textContent = t.extend_limit_text;
        limit.hidden = false;
      }
      render();
    };
    const render = () => {
      const now = Date.now();
      endLine.hidden = isNaN(expires);
      if (!isNaN(expires)) {
        endClock.dateTime = new Date(expires).toISOString();
        endClock.textContent = clock(expires);
      }
      // An idle deadline after the hard end never comes.
      idleLine.hidden = isNaN(idle) || (!isNaN(expires) && idle >= expires);
      if (!isNaN(idle)) {
        const idleLeft = Math.max(0, Math.round((idle - now) / 1000));
        idleCountdown.textContent = timeBox.dataset.idleLeft.replace("{left}", duration(idleLeft));
      }
      const left = isNaN(ends) ? Infinity : Math.max(0, Math.round((ends - now) / 1000));
      warning.hidden = left > warnSeconds;
      if (left === 0 && !over) {
        over = true;
        setTimeout(reload, 2000);
      }
    };
    const refreshing = setInterval(async () => {
      try {
        const response = await fetch(timeBox.dataset.progress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.status === 410) return showEnded("ended");
        if (response.status === 404) return reload();
        if (response.ok) apply(await response.json());
      } catch (e) { /* offline for a moment: keep counting */ }
    }, 15000);
    render();
    const ticking = setInterval(render, 1000);
    document.addEventListener("sandpit:ended", () => {
      clearInterval(refreshing);
      clearInterval(ticking);
      warning.hidden = true;
    });
    const extendForm = timeBox.querySelector(".extend-form");
    extendForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = extendForm.querySelector("button");
      button.disabled = true;
      try {
        const response = await fetch(extendForm.action, { method: "POST", headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.status === 410) return showEnded("ended");
        const body = await response.json().catch(() => ({}));
        if (response.status === 409 && body.error) {
          limit.textContent = body.error;
          limit.hidden = false;
        }
        apply(body);
      } catch (e) { /* the next refresh tells */ }
      finally { button.disabled = false; }
    });
  }

  // Who watches the terminal (ambassadors, trainers helping live), and
  // the learner's say on whether each may type: kept fresh, and answered
  // without leaving the page (the terminal stays open).
  const watchers = document.querySelector("[data-watchers]");
  if (watchers) {
    const render = (list) => {
      watchers.replaceChildren(...list.map((w) => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = w.action;
        form.className = "watcher";
        const text = document.createElement("span");
        text.textContent = w.text;
        const allow = document.createElement("input");
        allow.type = "hidden";
        allow.name = "allow";
        allow.value = w.allow;
        const button = document.createElement("button");
        button.type = "submit";
        button.textContent = w.button;
        form.append(text, " ", allow, button);
        return form;
      }));
    };
    let polling = null;
    const refresh = async () => {
      try {
        const response = await fetch(watchers.dataset.watchers, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) render(await response.json());
        // The sandbox ended: nobody watches any more.
        else if (response.status === 410 || response.status === 404) clearInterval(polling);
      } catch (e) { /* offline for a moment: the next round tells */ }
    };
    watchers.addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const button = form.querySelector("button");
      if (button) button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(form)),
          credentials: "same-origin",
        });
        if (response.ok) render(await response.json());
        else refresh();
      } catch (e) { refresh(); }
    });
    polling = setInterval(refresh, 3000);
    document.addEventListener("sandpit:ended", () => clearInterval(polling));
  }

  // Tabs: the terminal and each web UI of the scenario's tool.
  // Code blocks the author marked (see src/http/markdown.rs): "run" types
  // the block into the terminal, line by line with Enter, and can be
  // copied; "copy" copies it.
  const instructions = document.querySelector(".instructions");
  const terminal = document.querySelector("[data-terminal]");
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      // Not a secure context, or no permission: the old way.
    }
    const area = document.createElement("textarea");
    area.className = "offscreen";
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.append(area);
    area.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
    area.remove();
    return copied;
  }
  function codeButton(label, kind) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "code-" + kind;
    b.textContent = label;
    return b;
  }
  if (instructions) {
    const labels = instructions.dataset;
    // The instructions' blocks and the hint's.
    for (const pre of instructions.closest(".exercise").querySelectorAll("pre[data-action]")) {
      const text = pre.textContent.replace(/\n+$/, "");
      const bar = document.createElement("div");
      bar.className = "code-actions";
      const said = document.createElement("span");
      said.className = "code-said";
      said.setAttribute("role", "status");
      const say = (text) => {
        said.textContent = text;
        clearTimeout(said.timer);
        said.timer = setTimeout(() => { said.textContent = ""; }, 4000);
      };
      if (pre.dataset.action === "run" && terminal) {
        const run = codeButton(labels.run, "run");
        run.title = labels.runTitle;
        run.addEventListener("click", () => {
          const tab = document.getElementById("tab-terminal");
          if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
          const keys = text.split("\n").join("\r") + "\r";
          const detail = { text: keys, sent: false };
          terminal.dispatchEvent(new CustomEvent("sandpit:type", { detail }));
          if (!detail.sent) say(labels.runOffline);
        });
        bar.append(run);
      }
      const copy = codeButton(labels.copy, "copy");
      copy.addEventListener("click", async () => {
        const copied = await copyText(text);
        if (!copied) {
          // Select the block, so that Ctrl+C copies it.
          const range = document.createRange();
          range.selectNodeContents(pre);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
        say(copied ? labels.copied : labels.copyFailed);
      });
      bar.append(copy, said);
      pre.before(bar);
    }
  }

  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  function select(tab) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      const pane = document.getElementById(t.getAttribute("aria-controls"));
      pane.hidden = !on;
      const frame = pane.querySelector("iframe[data-src]");
      if (on && frame && !frame.src) frame.src = frame.dataset.src;
    }
    tab.focus();
  }
  tabs.forEach((tab, i) => {
    tab.tabIndex = i === 0 ? 0 : -1;
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight") select(tabs[(i + 1) % tabs.length]);
      if (e.key === "ArrowLeft") select(tabs[(i - 1 + tabs.length) % tabs.length]);
    });
  });
})();
