// Complaint actions and tag fixes: JSON calls to /api/v1 with the session cookie and the CSRF token.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]')?.content;

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf || "" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || response.statusText);
    return data;
  }

  function flash(text, bad) {
    const el = document.getElementById("flash");
    if (el) { el.textContent = text; el.style.color = bad ? "#c62828" : ""; }
  }

  // Times as the server shows them: YYYY-MM-DD HH:MM in the display zone.
  function when(iso, zone) {
    const parts = new Intl.DateTimeFormat("sv-SE", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).format(new Date(iso));
    return parts.slice(0, 16);
  }

  function fill(list, items, line) {
    if (!list) return;
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.textContent = line(item);
      return li;
    }));
  }

  const actions = document.querySelector(".actions[data-complaint]");
  if (actions) {
    const id = actions.dataset.complaint;
    const zone = actions.dataset.zone || "UTC";
    async function update(body, control) {
      const note = document.getElementById("note").value.trim();
      if (note) body.note = note;
      if (body.status === "dismissed" && !note) {
        flash(actions.dataset.reasonNeeded, true);  // the server would refuse it too
        document.getElementById("note").focus();
        return;
      }
      if (body.status === "dismissed" && !window.confirm(actions.dataset.confirmDismiss)) return;
      control.disabled = true;
      try {
        const complaint = await call("PATCH", `/api/v1/complaints/${id}`, body);
        const status = document.getElementById("complaint-status");
        status.textContent = JSON.parse(actions.dataset.labels)[complaint.status] || complaint.status;
        status.dataset.status = complaint.status;
        document.getElementById("assignee").textContent = complaint.assignee || "—";
        // the new note and history lines at once, without a reload
        fill(document.getElementById("notes"), complaint.notes,
          (n) => `${n.author || ""} ${when(n.created_at, zone)}: ${n.body}`);
        const history = document.getElementById("history");
        const kinds = JSON.parse(history?.dataset.labels || "{}");
        fill(history, complaint.history,
          (e) => `${when(e.at, zone)} · ${e.actor || "kesheng"} · ${kinds[e.kind] || e.kind}${e.detail ? ": " + e.detail : ""}`);
        flash("✓");
        document.getElementById("note").value = "";
      } catch (error) {
        flash(error.message, true);
      } finally {
        control.disabled = false;
      }
    }
    actions.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      update(button.dataset.action === "assign"
        ? { assignee: actions.dataset.user, status: "in_review" }
        : { status: button.dataset.action }, button);
    });
    const assignTo = document.getElementById("assign-to");
    assignTo?.addEventListener("change", () => {
      if (assignTo.value) update({ assignee: assignTo.value, status: "in_review" }, assignTo);
    });
  }

  document.querySelectorAll("form.tag-fix").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const [key, value] of new FormData(form)) {
        if (value !== "") body[key] = key === "complaint" ? value === "true" : value;
      }
      try {
        const utterance = await call("PUT", `/api/v1/utterances/${form.dataset.utterance}/tags`, body);
        const tags = form.closest(".utterance").querySelector(".tags");
        tags.textContent = `${utterance.sentiment?.label ?? ""} · ${utterance.intent?.label ?? ""} ✓`;
      } catch (error) {
        flash(error.message, true);
      }
    });
  });
})();
