// Flotilla dashboard: live updates over Server-Sent Events, no framework, no inline script (CSP).
// The fleet page follows /events (host and command changes), the host page a command's output
// (history first, then live; EventSource resumes after a drop with Last-Event-ID), the run page
// its step states.

const text = (element, value) => { if (element && element.textContent !== value) element.textContent = value; };
const percent = (v) => (v === null || v === undefined ? "-" : `${Math.round(v)}%`);
const number = (v) => (v === null || v === undefined ? "-" : v.toFixed(2));

function ago(iso) {
  if (!iso) return "-";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function refreshTimes() {
  for (const time of document.querySelectorAll("time[data-field=lastSeen][datetime]")) {
    const iso = time.getAttribute("datetime");
    if (iso) { time.title = iso; text(time, ago(iso)); }
  }
  for (const time of document.querySelectorAll("#backups [data-field=age] time[datetime]")) {
    const iso = time.getAttribute("datetime");
    if (iso) text(time, ageText(Math.max(0, (Date.now() - Date.parse(iso)) / 1000)));
  }
}

function driftCells(cell, drift) {
  cell.replaceChildren(...drift.map((c) => {
    const span = document.createElement("span");
    const state = c.state.toLowerCase();
    span.className = `drift drift-${state}`;
    span.title = `${c.name}: ${state}${c.reason ? " - " + c.reason : ""}`;
    span.textContent = c.name;
    return span;
  }));
}

function newHostRow(host) {
  const row = document.createElement("tr");
  row.dataset.host = host.name;
  const cell = (label, field) => {
    const td = document.createElement("td");
    td.dataset.label = label;
    if (field) td.dataset.field = field;
    row.append(td);
    return td;
  };
  const select = cell("Select");
  const box = document.createElement("input");
  Object.assign(box, { type: "checkbox", name: "Hosts", value: host.name });
  box.setAttribute("aria-label", `select ${host.name}`);
  select.append(box);
  const link = document.createElement("a");
  link.href = `/hosts/${encodeURIComponent(host.name)}`;
  link.textContent = host.name;
  cell("Host").append(link);
  const status = document.createElement("span");
  status.className = "status"; status.dataset.field = "status";
  cell("Status").append(status);
  const time = document.createElement("time");
  time.dataset.field = "lastSeen";
  cell("Last seen").append(time);
  cell("Platform", "platform");
  const generation = cell("Generation");
  for (const field of ["generation", "current"]) {
    const span = document.createElement("span");
    span.dataset.field = field;
    if (field === "current") span.className = "current";
    generation.append(span, " ");
  }
  cell("Drift", "drift").className = "drift-cell";
  cell("CPU", "cpu"); cell("RAM", "ram"); cell("Load", "load"); cell("Disk", "disk"); cell("Containers", "containers");
  return row;
}

function applyHost(row, host) {
  row.classList.add("host");
  row.classList.toggle("online", host.online);
  row.classList.toggle("offline", !host.online);
  row.dataset.tags = (host.tags || []).join(" ");
  const field = (name) => row.querySelector(`[data-field=${name}]`);
  text(field("status"), host.online ? "online" : "offline");
  const time = field("lastSeen");
  if (time) { time.setAttribute("datetime", host.lastSeen || ""); text(time, ago(host.lastSeen)); }
  text(field("platform"), host.platform || "");
  text(field("generation"), host.generation || "");
  text(field("current"), host.generationCurrent === true ? "current" : host.generationCurrent === false ? "behind" : "");
  const drift = field("drift");
  if (drift) driftCells(drift, host.drift || []);
  const m = host.metrics || {};
  text(field("cpu"), percent(m.cpuPercent));
  text(field("ram"), percent(m.ramPercent));
  text(field("load"), number(m.load1));
  text(field("disk"), percent(m.diskPercent));
  const containers = host.containers || [];
  const cell = field("containers");
  if (cell) {
    text(cell, containersText(containers));
    cell.classList.toggle("containers-down", containers.some(containerDown));
  }
  row.dataset.containersDown = String(containers.filter(containerDown).length);
  if (document.querySelector("table.single") && row.closest("table.single")) { containerTable(containers); storageTable(host.storage || []); backupTable(host.backups || []); }
  storageAlerts(host);
  backupAlerts(host);
}

const bytes = (value) => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit === 0 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
};
const storagePercent = (v) => `${Math.round(v * 10) / 10}%`;
const hoursText = (h) => (h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : h < 48 ? `${Math.round(h * 10) / 10} h` : `${Math.round(h / 24)} days`);

/** The fleet page's list of storage alerts: this host's are replaced by the ones it reports now. */
function storageAlerts(host) {
  const list = document.getElementById("storage-alerts");
  if (!list) return;
  for (const item of [...list.querySelectorAll("li[data-host]")]) if (item.dataset.host === host.name) item.remove();
  for (const usage of (host.storage || []).filter((u) => u.severity !== "Ok")) {
    const item = document.createElement("li");
    item.className = `alert-${usage.severity.toLowerCase()}`;
    item.dataset.host = host.name;
    item.dataset.path = usage.path;
    const link = document.createElement("a");
    link.href = `/hosts/${encodeURIComponent(host.name)}`;
    link.textContent = host.name;
    const path = document.createElement("code");
    path.textContent = usage.path;
    const reason = document.createElement("span");
    reason.dataset.field = "reason";
    reason.textContent = usage.reason;
    item.append(link, " ", path, ": ", reason);
    list.append(item);
  }
  list.hidden = list.childElementCount === 0;
}

/** The host page's storage table, as its agent last reported it. */
function storageTable(storage) {
  const card = document.getElementById("storage-card");
  const body = document.querySelector("#storage tbody");
  if (!card || !body) return;
  card.hidden = storage.length === 0;
  body.replaceChildren(...storage.map((u) => {
    const row = document.createElement("tr");
    row.dataset.path = u.path;
    row.className = `storage-${u.severity.toLowerCase()}`;
    const cells = [0, 1, 2, 3, 4, 5].map(() => document.createElement("td"));
    const path = document.createElement("code");
    path.textContent = u.path;
    cells[0].append(path);
    cells[1].textContent = `${storagePercent(u.usedPercent)} of ${bytes(u.totalBytes)}`;
    cells[2].textContent = storagePercent(u.inodesPercent);
    cells[3].textContent = u.growthBytesPerHour === null || u.growthBytesPerHour === undefined ? "-" : `${u.growthBytesPerHour >= 0 ? "+" : ""}${bytes(u.growthBytesPerHour)}/h`;
    cells[4].textContent = u.hoursToFull === null || u.hoursToFull === undefined ? "-" : hoursText(u.hoursToFull);
    cells[5].dataset.field = "state";
    cells[5].textContent = u.reason || "ok";
    row.append(...cells);
    return row;
  }));
}

/** A backup's age (Display.Age says the same). */
const ageText = (seconds) => (seconds < 3600 ? `${Math.floor(seconds / 60)} min` : hoursText(seconds / 3600));
/** A time as the pages write it: 2026-12-05 02:00:00Z. */
const stamp = (iso) => (iso ? iso.replace("T", " ").replace(/(\.\d+)?(Z|[+-]00:00)$/, "Z") : "-");

/** The fleet page's list of backup alerts: this host's are replaced by the ones it reports now. */
function backupAlerts(host) {
  const list = document.getElementById("backup-alerts");
  if (!list) return;
  for (const item of [...list.querySelectorAll("li[data-host]")]) if (item.dataset.host === host.name) item.remove();
  for (const backup of (host.backups || []).filter((b) => b.state !== "ok")) {
    const item = document.createElement("li");
    item.className = backup.state === "unverified" ? "alert-warning" : "alert-critical";
    item.dataset.host = host.name;
    item.dataset.service = backup.service;
    const link = document.createElement("a");
    link.href = `/hosts/${encodeURIComponent(host.name)}`;
    link.textContent = host.name;
    const service = document.createElement("code");
    service.textContent = backup.service;
    const reason = document.createElement("span");
    reason.dataset.field = "reason";
    reason.textContent = backup.reason;
    item.append(link, " backup of ", service, ": ", reason);
    list.append(item);
  }
  list.hidden = list.childElementCount === 0;
}

/** The host page's backups table, as its agent last reported the timers' results. */
function backupTable(backups) {
  const card = document.getElementById("backups-card");
  const body = document.querySelector("#backups tbody");
  if (!card || !body) return;
  card.hidden = backups.length === 0;
  body.replaceChildren(...backups.map((b) => {
    const row = document.createElement("tr");
    row.dataset.service = b.service;
    row.className = `backup-${b.state}`;
    const cells = [0, 1, 2, 3, 4, 5].map(() => document.createElement("td"));
    const service = document.createElement("code");
    service.textContent = b.service;
    cells[0].append(service);
    cells[1].dataset.field = "last-good";
    cells[1].textContent = b.lastGood ? stamp(b.lastGood) + (b.lastGoodSnapshot ? ` (${b.lastGoodSnapshot})` : "") : "never";
    cells[2].dataset.field = "age";
    const age = document.createElement("time");
    age.setAttribute("datetime", b.lastGood || "");
    age.textContent = b.lastGood ? ageText(Math.max(0, (Date.now() - Date.parse(b.lastGood)) / 1000)) : "-";
    cells[2].append(age);
    cells[3].dataset.field = "verified";
    cells[3].textContent = b.verified ? "yes" : "no";
    cells[4].dataset.field = "state";
    const time = document.createElement("time");
    time.setAttribute("datetime", b.time || "");
    time.textContent = stamp(b.time);
    cells[4].append(time, `: ${b.state}`);
    cells[5].dataset.field = "message";
    cells[5].textContent = b.problem || b.message || "";
    row.append(...cells);
    return row;
  }));
}

/** Down: not running, or unhealthy by podman's own health check (HostSummary.IsDown says the same). */
const containerDown = (c) => c.state !== "running" || (c.status || "").includes("(unhealthy)");

function containersText(containers) {
  if (!containers.length) return "";
  const down = containers.filter(containerDown).length;
  return down === 0 ? String(containers.length) : `${down} of ${containers.length} down`;
}

/** The host page's containers table, as its agent last reported them. */
function containerTable(containers) {
  const card = document.getElementById("containers-card");
  const body = document.querySelector("#containers tbody");
  if (!card || !body) return;
  card.hidden = containers.length === 0;
  text(document.getElementById("containers-down-count"), String(containers.filter(containerDown).length));
  const rows = containers.map((c) => {
    const row = document.querySelector(`tr[data-container="${CSS.escape(c.name)}"]`) || document.createElement("tr");
    row.dataset.container = c.name;
    if (row.cells.length !== 4) {
      row.replaceChildren(...[0, 1, 2, 3].map(() => document.createElement("td")));
      row.cells[1].append(document.createElement("code"));
      row.cells[2].dataset.field = "state";
    }
    text(row.cells[0], c.name);
    text(row.cells[1].firstChild, c.image);
    text(row.cells[2], c.state);
    row.cells[2].className = containerDown(c) ? "state-failed" : "state-succeeded";
    text(row.cells[3], c.status || "");
    return row;
  });
  body.replaceChildren(...rows);
}

/** Adds filter links for tags the page does not list yet (a host's tags arrive live), in order. */
function addTags(tags) {
  const nav = document.getElementById("tags");
  if (!nav) return;
  for (const tag of tags || []) {
    const links = [...nav.querySelectorAll("a[data-tag]")];
    if (links.some((a) => a.dataset.tag === tag)) continue;
    const link = document.createElement("a");
    link.href = "/?tag=" + encodeURIComponent(tag);
    link.dataset.tag = tag;
    link.textContent = tag;
    const after = links.find((a) => a.dataset.tag > tag);
    nav.insertBefore(link, after || null);
    nav.hidden = false;
  }
}

function counts() {
  const rows = document.querySelectorAll("tr[data-host]");
  text(document.getElementById("host-count"), String(rows.length));
  text(document.getElementById("online-count"), String([...rows].filter((r) => r.classList.contains("online")).length));
  const down = [...rows].reduce((sum, r) => sum + Number(r.dataset.containersDown || 0), 0);
  text(document.getElementById("containers-down"), String(down));
  const note = document.getElementById("containers-down-note");
  if (note) note.hidden = down === 0;
}

function followFleet() {
  const table = document.getElementById("fleet");
  const single = document.querySelector("table.single tr[data-host]");
  if (!table && !single) return;
  const source = new EventSource("/events");
  source.addEventListener("open", () => { document.body.dataset.live = "connected"; });
  source.addEventListener("host", (event) => {
    const host = JSON.parse(event.data);
    let row = document.querySelector(`tr[data-host="${CSS.escape(host.name)}"]`);
    if (!row && table) {
      const tag = table.dataset.tag;
      if (tag && !(host.tags || []).includes(tag)) return;
      row = newHostRow(host);
      table.tBodies[0].append(row);
      document.getElementById("no-hosts")?.remove();
    }
    if (row) { applyHost(row, host); counts(); }
    if (table) addTags(host.tags);
  });
  source.addEventListener("command", (event) => {
    const command = JSON.parse(event.data);
    const state = command.state.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
    const row = document.querySelector(`tr[data-command="${CSS.escape(command.id)}"]`) || { querySelector: () => null };
    const cell = row.querySelector("[data-field=state]");
    if (cell) { cell.className = `state-${state}`; text(cell, state); }
    text(row.querySelector("[data-field=exit]"), command.exitCode === null || command.exitCode === undefined ? "" : String(command.exitCode));
    const label = document.getElementById("output-state");
    if (label && document.getElementById("output")?.dataset.command === command.id) { label.className = `state-${state}`; text(label, state); }
  });
}

function followOutput() {
  const output = document.getElementById("output");
  if (!output || !output.dataset.stream) return;
  // Lines arrive in bursts; they are appended once per frame so a fast stream does not stall the page.
  let pending = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const stick = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    const fragment = document.createDocumentFragment();
    for (const line of pending) {
      const span = document.createElement("span");
      if (line.stream === "Stderr") span.className = "stderr";
      span.dataset.seq = line.sequence;
      span.textContent = line.text + "\n";
      fragment.append(span);
    }
    pending = [];
    output.append(fragment);
    output.dataset.lines = String(output.childElementCount);
    if (stick) output.scrollTop = output.scrollHeight;
  };
  const source = new EventSource(output.dataset.stream);
  source.addEventListener("line", (event) => {
    pending.push(JSON.parse(event.data));
    if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
  });
  source.addEventListener("end", (event) => {
    source.close();
    if (pending.length) flush();
    const command = JSON.parse(event.data);
    const state = command.state.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
    const label = document.getElementById("output-state");
    if (label) { label.className = `state-${state}`; text(label, state); }
    output.dataset.finished = "true";
  });
}

function followRun() {
  const graph = document.getElementById("graph");
  if (!graph || !graph.dataset.stream) return;
  const source = new EventSource(graph.dataset.stream);
  source.addEventListener("steps", (event) => {
    for (const step of JSON.parse(event.data)) {
      const node = graph.querySelector(`g[data-step="${CSS.escape(step.id)}"]`);
      if (node) {
        node.setAttribute("class", node.getAttribute("class").replace(/state-[a-z-]+/, `state-${step.state}`));
        const title = node.querySelector("title");
        if (title) title.textContent = `${step.id}: ${step.state}`;
      }
      const cell = document.querySelector(`#steps tr[data-step="${CSS.escape(step.id)}"] [data-field=state]`);
      if (cell) { cell.className = `state-${step.state}`; text(cell, step.state); }
    }
  });
  source.addEventListener("end", (event) => {
    source.close();
    graph.dataset.finished = "true";
    const end = JSON.parse(event.data);
    const result = document.getElementById("run-result");
    if (result && end.text) text(result, end.text);
    const cancel = document.getElementById("run-cancel");
    if (cancel) cancel.remove();
  });
}

refreshTimes();
setInterval(refreshTimes, 5000);
followFleet();
followOutput();
followRun();
document.body.dataset.live = "ready";
