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
        if (!response.ok) {
          show(feedback, "error", messages.error, await response.text());
          return;
        }
        const result = await response.json();
        show(feedback, result.outcome, messages[result.outcome], result.feedback);
        if (result.outcome === "passed") {
          markDone(document.getElementById("exercise")?.dataset.exercise);
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

  // Time left: a countdown to the sandbox's end, refreshed from /progress
  // (activity elsewhere moves an idle deadline on); the warning shows near
  // the end, and the page reloads to the "ended" page when it comes.
  const timeBox = document.querySelector(".time-box");
  if (timeBox) {
    const countdown = timeBox.querySelector(".countdown");
    const warning = timeBox.querySelector(".expiry-warning");
    const limit = timeBox.querySelector(".extend-limit");
    const warnSeconds = Number(timeBox.dataset.warningSeconds || 300);
    let ends = Date.parse(timeBox.dataset.ends);
    let idleFirst = !timeBox.querySelector(".warning-idle").hidden;
    const apply = (t) => {
      if (t.ends_at) ends = Date.parse(t.ends_at);
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
      const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      const m = Math.floor(left / 60);
      const s = String(left % 60).padStart(2, "0");
      countdown.textContent = m + ":" + s;
      warning.hidden = left > warnSeconds;
      if (left === 0) setTimeout(() => location.reload(), 2000);
    };
    const refresh = async () => {
      try {
        const response = await fetch(timeBox.dataset.progress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.status === 410 || response.status === 404) return location.reload();
        if (response.ok) apply(await response.json());
      } catch (e) { /* offline for a moment: keep counting */ }
    };
    render();
    setInterval(render, 1000);
    setInterval(refresh, 15000);
    const extendForm = timeBox.querySelector(".extend-form");
    extendForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = extendForm.querySelector("button");
      button.disabled = true;
      try {
        const response = await fetch(extendForm.action, { method: "POST", headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.status === 410) return location.reload();
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

  // Tabs: the terminal and each web UI of the scenario's tool.
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
