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
