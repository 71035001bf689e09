// The console's only script: small enhancements; every page works without it.
// - a form with data-confirm asks before it is sent;
// - a batch page refreshes its progress every few seconds.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

function followProgress(section) {
  const url = section.getAttribute("data-url");
  const set = (id, value) => {
    const element = document.getElementById(id);
    if (element) element.textContent = value;
  };
  const refresh = () => {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        set("finished", data.finished);
        set("total", data.total);
        set("per-minute", data.per_minute.toFixed(1));
        set("eta", data.eta);
        const bar = document.getElementById("bar");
        if (bar) {
          bar.max = data.total;
          bar.value = data.finished;
        }
        for (const [state, count] of Object.entries(data.counts)) {
          const cell = section.querySelector(`[data-state="${state}"]`);
          if (cell) cell.textContent = count;
        }
      })
      .catch(() => {});
  };
  window.setInterval(refresh, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("progress");
  if (section) followProgress(section);
});
