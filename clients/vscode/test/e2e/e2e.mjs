// End-to-end: the packaged extension in a real code-server, driven through Debian Chromium with playwright-core,
// against `tandem serve` and the scripted fake Anthropic API. Run through run.sh (it sets the environment).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.resolve(HERE, "../..");
const ROOT = path.resolve(EXT, "../..");
const PYTHON = process.env.TANDEM_PYTHON ?? path.join(ROOT, ".venv/bin/python");
const ENTRY = process.env.CODE_SERVER_ENTRY;
const require = createRequire(path.join(process.env.NODE_PATH ?? "", "x.js"));
const { chromium } = require("playwright-core");

// One run directory per process (test/e2e/.run/<pid>, kept for post-mortems until a later run finds its process
// gone): two runs at once (two checkouts' test suites on one machine) must not wipe each other's state.
const RUNS = path.join(HERE, ".run");
const RUN = path.join(RUNS, String(process.pid));
const SHOTS = path.join(HERE, "screenshots");
const children = [];
const results = {};
let step = 0;

function log(...a) { console.error(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...a); }
async function freePort() {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}
async function until(what, fn, timeout = 20000, interval = 100) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

// ---- set-up: a fresh run directory, the fake model, settings, the extension --------------------------------------
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
fs.mkdirSync(RUNS, { recursive: true });
for (const d of fs.readdirSync(RUNS)) {
  if (!/^\d+$/.test(d) || !alive(Number(d)) || Number(d) === process.pid) fs.rmSync(path.join(RUNS, d), { recursive: true, force: true });
}
fs.mkdirSync(SHOTS, { recursive: true });
for (const f of fs.readdirSync(SHOTS)) if (f.endsWith(".png")) fs.rmSync(path.join(SHOTS, f), { force: true });
const dirs = Object.fromEntries(["ws", "user", "exts", "tmp", "xdg-config", "xdg-state", "xdg-data", "xdg-cache", "browser"]
  .map((d) => [d, path.join(RUN, d)]));
for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
fs.mkdirSync(path.join(dirs.ws, "src"));
const APP = path.join(dirs.ws, "src", "app.py");
fs.writeFileSync(APP, "def greet(name):\n    return f'Hello, {name}!'\n");
// opened in the editor later (created now, so quick open has indexed it)
const SHAPES = path.join(dirs.ws, "src", "shapes.py");
const shapes = ["def area(w, h):", "    # a rectangle", "    return w * h", "", "",
                "def perimeter(w, h):", "    # a rectangle", "    return 2 * (w + h)", "", "", "def unit():", "    return 1", ""].join("\n");
const shapesProposed = shapes.replace("    return w * h\n", "    return w * h  # width times height\n")
                             .replace("    return 2 * (w + h)\n", "    return 2 * w + 2 * h\n");
fs.writeFileSync(SHAPES, shapes);
const SIZES = path.join(dirs.ws, "src", "sizes.txt");
const sizes = Array.from({ length: 12 }, (_, i) => `size ${i + 1}`).join("\n") + "\n";
fs.writeFileSync(SIZES, sizes);

const fake = spawn(PYTHON, ["-m", "tandem.agent.fake_api", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
children.push(fake);
const baseUrl = await new Promise((resolve, reject) => {
  let buf = "";
  fake.stdout.on("data", (d) => { buf += d; const i = buf.indexOf("\n"); if (i >= 0) resolve(JSON.parse(buf.slice(0, i)).base_url); });
  fake.on("exit", (c) => reject(new Error(`fake API exited ${c}`)));
});
log("fake model at", baseUrl);
async function enqueue(...items) {
  const r = await fetch(`${baseUrl}/_fake/enqueue`, { method: "POST", body: JSON.stringify(items), headers: { "content-type": "application/json" } });
  if (!r.ok) throw new Error(`enqueue: ${r.status} ${await r.text()}`);
}

const env = { ...process.env, TMPDIR: dirs.tmp, XDG_CONFIG_HOME: dirs["xdg-config"], XDG_DATA_HOME: dirs["xdg-data"],
  XDG_CACHE_HOME: dirs["xdg-cache"], XDG_STATE_HOME: dirs["xdg-state"] };
for (const k of Object.keys(env)) if (k.startsWith("ANTHROPIC_") || k.startsWith("VSCODE_")) delete env[k];
const settings = {
  "workbench.startupEditor": "none", "security.workspace.trust.enabled": false, "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden", "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false, "workbench.tips.enabled": false, "git.openRepositoryInParentFolders": "never", "git.enabled": false, "telemetry.telemetryLevel": "off",
  // the web workbench saves after a delay by default; the desktop does not: keep the disk still, as on the desktop,
  // so what the test reads from disk is only what the server wrote there, or the extension saved after an agent's
  // edit (tandem.saveAgentEdits, on by default)
  "files.autoSave": "off",
  "tandem.serverCommand": [PYTHON, "-m", "tandem", "serve"],
  "tandem.serverEnv": { ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: "test-key", TANDEM_MODEL: "claude-sonnet-5-5",
                        XDG_STATE_HOME: dirs["xdg-state"], PYTHONUNBUFFERED: "1" },
};
fs.mkdirSync(path.join(dirs.user, "User"), { recursive: true });
fs.writeFileSync(path.join(dirs.user, "User", "settings.json"), JSON.stringify(settings, null, 2));
const config = path.join(RUN, "config.yaml");
fs.writeFileSync(config, "auth: none\ncert: false\n");
const common = ["--config", config, "--user-data-dir", dirs.user, "--extensions-dir", dirs.exts];
const install = spawnSync(process.execPath, [ENTRY, ...common, "--install-extension", path.join(EXT, "dist", "tandem.vsix")],
                          { env, encoding: "utf8" });
if (install.status !== 0) throw new Error(`install-extension failed: ${install.stdout}${install.stderr}`);

const port = await freePort();
const cs = spawn(process.execPath, [ENTRY, ...common, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
  "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", dirs.ws],
  { env, detached: true, stdio: ["ignore", fs.openSync(path.join(RUN, "code-server.log"), "w"), fs.openSync(path.join(RUN, "code-server.err"), "w")] });
children.push(cs);
await until("code-server", async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 30000, 200);

function cleanup() {
  for (const c of children) {
    try { c === cs ? process.kill(-c.pid, "SIGTERM") : c.kill("SIGTERM"); } catch { /* gone */ }
  }
}
process.on("exit", cleanup);

// ---- the browser ---------------------------------------------------------------------------------------------------
const browser = await chromium.launchPersistentContext(dirs.browser, {
  executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1400, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const page = browser.pages()[0] ?? await browser.newPage();
async function shot(name) {
  const file = path.join(SHOTS, `${String(++step).padStart(2, "0")}-${name}.png`);
  try {  // best effort: a screenshot never fails the test
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: file });
    log("screenshot", path.relative(EXT, file));
  } catch (e) {
    log("screenshot failed:", e.message);
  }
}
async function chat() {
  return until("the chat webview", async () => {
    for (const f of page.frames()) {
      if (await f.evaluate(() => !!document.getElementById("transcript")).catch(() => false)) return f;
    }
    return undefined;
  }, 20000, 200);
}
async function status() {
  return (await page.locator(".statusbar-item", { hasText: "Tandem:" }).first().textContent().catch(() => "")) ?? "";
}
async function palette(command) {
  const box = page.locator(".quick-input-widget input");
  // F1 can be lost while focus moves (a diff editor or a webview just opened): press it again until the box shows
  await until("the command palette", async () => {
    await page.keyboard.press("F1");
    return box.waitFor({ state: "visible", timeout: 2000 }).then(() => true, () => false);
  }, 20000, 100);
  await box.fill(`>${command}`);
  // click the row whose label is exactly the command (a prefix match can pick "… Close Editor Group" instead)
  const row = page.locator(".quick-input-list .monaco-list-row").filter({
    has: page.locator(".label-name", { hasText: new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }) });
  await row.first().click();
}
/** Quick open (Ctrl+P) a workspace file until its tab is the active one (retried: a quick pick still closing can
 *  swallow the first attempt). */
async function openFile(name) {
  await until(`${name} in front`, async () => {
    await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 5000 }).catch(() => {});
    await page.keyboard.press("Control+P");
    const box = page.locator(".quick-input-widget input");
    await box.waitFor({ state: "visible", timeout: 5000 });
    await box.fill(name);
    // click the row itself: Enter would take whichever row has focus, maybe one from before the filter applied
    const row = page.locator(".quick-input-list .monaco-list-row").filter({
      has: page.locator(".label-name", { hasText: new RegExp(`^${name.replace(/\./g, "\\.")}$`) }) }).first();
    await row.click({ timeout: 5000 });
    return until(`the ${name} tab`, () => page.locator(".tab.active", { hasText: name }).count(), 3000).catch(async () => {
      await page.keyboard.press("Escape");
      return false;
    });
  }, 30000, 200);
}
/** The card's plain "Allow once" (a sandboxed Bash also offers "Allow once, outside the sandbox"). */
const ALLOW_ONCE = '.permission button[data-option="allow_once"]';
const editor = () => page.locator(".editor-instance .monaco-editor").first();
/** The CodeLens links shown in the editor, top to bottom: [{text, x, y}] (centre, page coordinates). One evaluate,
 *  no element handles: lens widgets are re-created when the server refreshes them. */
async function lenses() {
  const found = await editor().evaluate((el) => [...el.querySelectorAll(".codelens-decoration a")].map((a) => {
    const r = a.getBoundingClientRect();
    return { text: a.textContent.trim(), x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height };
  }).filter((l) => l.w > 0 && l.h > 0)).catch(() => []);
  return found.sort((a, b) => a.y - b.y || a.x - b.x);
}
/** A real mouse click on the first lens matching `pred`, once it has stopped moving (the editor re-lays lenses out
 *  when the server refreshes them). */
async function clickLens(what, pred) {
  let last;
  const lens = await until(`the lens ${what} to settle`, async () => {
    const now = (await lenses()).find(pred);
    const same = now && last && now.x === last.x && now.y === last.y;
    last = now;
    return same ? now : undefined;
  }, 10000, 150);
  await page.mouse.click(lens.x, lens.y);
}
/** The decorations' ghost texts (CSS generated content of the spans in the editor's lines). */
async function ghostTexts() {
  return editor().evaluate((el) => [...el.querySelectorAll(".view-lines span")].flatMap((n) =>
    [getComputedStyle(n, "::before").content, getComputedStyle(n, "::after").content, getComputedStyle(n).content])
    .filter((c) => c && c.includes("⊕")).join(" | "));
}
async function editorText() {
  return (await page.locator(".monaco-editor .view-lines").first().innerText()).replace(/\u00a0/g, " ");
}

/** The pid of *our* `tandem serve` (its environment names this run's state dir), other than `not`. */
function findServerPid(not) {
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("tandem\0serve")) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, "utf8").includes(dirs["xdg-state"])) continue;
      if (Number(pid) !== not) return Number(pid);
    } catch { /* gone */ }
  }
  return undefined;
}

let ok = false;
try {
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60000 });
  await until("the Tandem status item (activation)", async () => (await status()).includes("ready"), 60000, 250);
  log(`workbench + extension ready in ${Date.now() - t0} ms: ${await status()}`);
  await shot("workbench-ready");

  // 1. open the sidebar
  await palette("Tandem: New Session");
  let frame = await chat();
  await until("a session in the header", () => frame.evaluate(() => !document.getElementById("title").textContent.includes("No session")));
  await shot("sidebar-open");

  // 2. a streamed answer (thinking + Markdown with a code block), paced so streaming is visible
  await enqueue({ blocks: [
    { type: "thinking", thinking: "The user wants a greeting function explained." },
    { type: "text", text: "Here is **the answer**:\n\n```python\nprint('hi')\n```\n\n- one\n- two\n\nStreaming works." },
  ], chunk: 8, delay: 0.05 });
  let input = frame.locator("#input");
  await input.click();
  await input.fill("Explain greet");
  await input.press("Enter");
  await until("the streamed answer", () => frame.evaluate(() =>
    [...document.querySelectorAll(".msg.agent")].some((n) => n.textContent.includes("Streaming works."))), 30000);
  await until("the turn to end", () => frame.evaluate(() => document.getElementById("stop").hidden));
  const m = await frame.evaluate(() => window.__tandemMetrics);
  const lat = m.chunks.map((c) => c.painted - c.hostT).sort((a, b) => a - b);
  results.firstChunkHostToPaintMs = m.firstChunk.painted - m.firstChunk.hostT;
  results.chunkHostToPaintP50Ms = lat[Math.floor(lat.length / 2)];
  results.chunkHostToPaintMaxMs = lat[lat.length - 1];
  results.chunks = lat.length;
  if (!(await frame.locator(".code-block .copy").count())) throw new Error("no copy button on the code block");
  if (!(await frame.locator(".msg.thought details").count())) throw new Error("no collapsible thinking");
  await shot("streamed-answer");

  // 2b. latency from the fake model's write to the sidebar's paint. The fake stamps each request on arrival (`at`,
  // wall clock) and, with `delay`, sleeps before every SSE event after the first; the first text delta is event 3,
  // so it is written at about at + 3*delay (sleep overshoot only makes this estimate earlier: the figure is an upper
  // bound). Every later delta i is written at about at + (3+i)*delay.
  const DELAY = 0.1;
  await frame.evaluate(() => { window.__tandemMetrics.firstChunk = null; window.__tandemMetrics.chunks = []; });
  await enqueue({ text: "Latency probe: one two three four five six seven eight.", chunk: 8, delay: DELAY });
  await input.fill("probe");
  await input.press("Enter");
  await until("the probe answer", () => frame.evaluate(() => document.body.textContent.includes("seven eight.")), 20000);
  await until("the turn to end", () => frame.evaluate(() => document.getElementById("stop").hidden));
  const requests = await (await fetch(`${baseUrl}/_fake/requests`)).json();
  const at = requests.filter((r) => r.path.startsWith("/v1/messages") && !r.path.includes("count_tokens")).at(-1).at * 1000;
  const probe = await frame.evaluate(() => window.__tandemMetrics);
  results.firstTokenModelWriteToPaintMs = Math.round(probe.firstChunk.painted - (at + 3 * DELAY * 1000));
  const perChunk = probe.chunks.map((c, i) => c.painted - (at + (3 + i) * DELAY * 1000)).sort((a, b) => a - b);
  results.tokenModelWriteToPaintP50Ms = Math.round(perChunk[Math.floor(perChunk.length / 2)]);
  results.tokenModelWriteToPaintMaxMs = Math.round(perChunk.at(-1));

  // 3. Bash asks for permission; approve it with a note
  await enqueue({ blocks: [{ type: "tool_use", name: "Bash", input: { command: "echo hello-from-bash > out.txt && cat out.txt" } }] },
                { text: "Ran it." });
  await input.fill("run it");
  await input.press("Enter");
  await frame.locator(".permission").waitFor({ timeout: 20000 });
  await frame.locator(".permission input.note").fill("fine by me");
  await shot("bash-permission");
  await frame.locator(ALLOW_ONCE).click();
  await until("Bash to complete", () => frame.evaluate(() =>
    [...document.querySelectorAll(".tool")].some((n) => n.className.includes("status-completed") && n.textContent.includes("hello-from-bash"))), 20000);
  await until("the answer after Bash", () => frame.evaluate(() => document.body.textContent.includes("Ran it.")));
  if (fs.readFileSync(path.join(dirs.ws, "out.txt"), "utf8") !== "hello-from-bash\n") throw new Error("Bash did not run");
  await shot("bash-done");

  // 4. plan mode through the mode picker: the status bar follows
  await frame.locator("#mode").selectOption("plan");
  await until("plan mode in the status bar", async () => (await status()).includes("plan"));
  await shot("plan-mode");
  await frame.locator("#mode").selectOption("default");
  await until("default mode in the status bar", async () => (await status()).includes("default"));

  // 5. an edit, approved, applied to the open buffer through workspace/applyEdit, then undone with Ctrl+Z
  await openFile("app.py");
  await until("app.py open", async () => (await editorText()).includes("Hello"));
  await enqueue({ blocks: [{ type: "tool_use", name: "Read", input: { file_path: APP } }] },
                { blocks: [{ type: "tool_use", name: "Edit", input: { file_path: APP, old_string: "Hello", new_string: "Hi" } }] },
                { text: "Edited." });
  await input.fill("say hi");
  await input.press("Enter");
  await frame.locator(".permission .diff").waitFor({ timeout: 20000 });
  await shot("edit-permission");
  await frame.locator(".permission button.open-diff").click();
  await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 10000 });
  await until("both sides of the diff", async () => {
    const sides = (await page.locator(".monaco-diff-editor .view-lines").allInnerTexts()).join("\n").replace(/\u00a0/g, " ");
    return sides.includes("Hello, {name}") && sides.includes("Hi, {name}");
  }, 10000);
  await shot("edit-native-diff");
  await palette("View: Close Editor");  // closing the diff rejects nothing: the prompt stays
  await until("app.py back in front", async () => (await editorText()).includes("Hello, {name}"));
  if (!(await frame.locator(ALLOW_ONCE).isVisible())) throw new Error("closing the diff answered the prompt");
  await frame.locator(ALLOW_ONCE).click();
  await until("the edit in the editor", async () => (await editorText()).includes("Hi, {name}"), 20000);
  // app.py had no unsaved changes: the applied edit is saved, so the agent's next command reads it from disk
  await until("the edit saved to disk", () => fs.readFileSync(APP, "utf8").includes("Hi, {name}"), 10000);
  await until("the turn to end", () => frame.evaluate(() => document.body.textContent.includes("Edited.")));
  await shot("edit-applied");
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+Z");
  await until("undo to restore the text", async () => (await editorText()).includes("Hello, {name}"), 10000);
  await shot("edit-undone");

  // 5a. the buffer is dirty now (the undo is unsaved, the disk holds "Hi"): the agent edits what the user sees (its
  // old_string is only in the buffer), the edit lands in the buffer, and nothing is saved behind the user's back
  await enqueue({ blocks: [{ type: "tool_use", name: "Edit", input: { file_path: APP, old_string: "Hello", new_string: "Howdy" } }] },
                { text: "Edited the unsaved buffer." });
  await input.fill("say howdy");
  await input.press("Enter");
  await frame.locator(ALLOW_ONCE).waitFor({ timeout: 20000 });
  await frame.locator(ALLOW_ONCE).click();
  await until("the edit in the dirty buffer", async () => (await editorText()).includes("Howdy, {name}"), 20000);
  await until("the dirty-buffer turn to end", () => frame.evaluate(() => document.body.textContent.includes("Edited the unsaved buffer.")), 20000);
  await new Promise((r) => setTimeout(r, 1500));  // time for a wrong save to reach the disk
  const appOnDisk = fs.readFileSync(APP, "utf8");
  if (!appOnDisk.includes("Hi, {name}")) throw new Error(`a dirty buffer was saved after an agent edit:\n${appOnDisk}`);
  await shot("dirty-buffer-edited-not-saved");

  // 5b. a Write with two hunks on a file open in the editor: decorations and the server's CodeLens; closing the diff
  // or the chat answers nothing; Accept on one hunk's lens, Reject on the other's (real clicks); Ctrl+Z undoes it
  await openFile("shapes.py");
  await until("shapes.py open", async () => (await editorText()).includes("def perimeter"));
  await enqueue({ blocks: [{ type: "tool_use", name: "Read", input: { file_path: SHAPES } }] },
                { blocks: [{ type: "tool_use", name: "Write", input: { file_path: SHAPES, content: shapesProposed } }] },
                { text: "Reviewed." });
  await input.fill("comment area, expand perimeter");
  await input.press("Enter");
  await frame.locator(".permission .hunk input[type=checkbox]").nth(1).waitFor({ timeout: 20000 });
  const lensTitles = async () => (await lenses()).map((l) => l.text);
  await until("the hunk lenses in the editor", async () => {
    const t = await lensTitles();
    return t.filter((x) => x.startsWith("✓ Accept")).length === 2 && t.filter((x) => x === "✗ Reject").length === 2
      && t.includes("Accept all (2)") && t.includes("Reject all");
  }, 15000);
  // decorations: the two lines the hunks replace are marked in the gutter, the proposed lines are shown after them
  await until("the hunk decorations", async () => {
    const ghosts = await ghostTexts();
    const gutter = await editor().locator(".cgmr").count();
    return ghosts.includes("width times height") && ghosts.includes("2 * w + 2 * h") && gutter >= 2;
  }, 10000);
  if (!(await page.locator('.editor-actions [aria-label^="Accept All Changes"]').first().isVisible())) {
    throw new Error("no Accept All button in the editor title");
  }
  await shot("hunks-lenses-and-decorations");
  // the card's "Open diff", closed again, and the chat hidden and shown again: nothing is answered
  await frame.locator(".permission button.open-diff").click();
  await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 10000 });
  await palette("View: Close Editor");
  await palette("View: Toggle Primary Side Bar Visibility");
  await until("the chat hidden", async () => !(await page.locator(".sidebar").isVisible()), 5000);
  await palette("View: Toggle Primary Side Bar Visibility");
  frame = await chat();
  input = frame.locator("#input");
  await frame.locator(".permission .hunk").nth(1).waitFor({ timeout: 10000 });
  await until("the lenses still there", async () => (await lensTitles()).includes("Accept all (2)"), 10000);
  if (fs.readFileSync(SHAPES, "utf8") !== shapes || (await editorText()).includes("2 * w + 2 * h")) {
    throw new Error("closing the diff or the chat changed the file");
  }
  // Accept the first hunk from its lens: applied at once; then Reject the second from its lens
  await clickLens("✓ Accept of the first hunk", (l) => l.text.startsWith("✓ Accept"));
  await until("the first hunk in the buffer", async () => (await editorText()).includes("# width times height"), 10000);
  await until("the accepted hunk saved to disk (the file was clean)", () => {
    const disk = fs.readFileSync(SHAPES, "utf8");
    return disk.includes("return w * h  # width times height") && !disk.includes("2 * w + 2 * h");
  }, 10000);
  await until("one hunk left", async () => {
    const t = await lensTitles();
    return t.filter((x) => x.startsWith("✓ Accept")).length === 1 && !t.includes("Accept all (2)");
  }, 10000);
  await shot("hunk-accepted-from-lens");
  if (!(await frame.locator(".permission").count())) throw new Error("the card went away with a hunk still open");
  await clickLens("✗ Reject of the second hunk", (l) => l.text === "✗ Reject");
  await until("the card dismissed (request withdrawn)", () => frame.evaluate(() => !document.querySelector(".permission")), 10000);
  await until("the turn to end after the lenses", () => frame.evaluate(() => document.body.textContent.includes("Reviewed.")), 20000);
  await until("no lenses left", async () => (await lenses()).length === 0, 10000);
  const afterLenses = await editorText();
  if (!afterLenses.includes("return w * h  # width times height") || !afterLenses.includes("return 2 * (w + h)")
      || afterLenses.includes("2 * w + 2 * h")) throw new Error(`wrong buffer after the lenses:\n${afterLenses}`);
  await shot("hunks-decided");
  await editor().locator(".view-lines").click();
  await page.keyboard.press("Control+Z");
  await until("Ctrl+Z to undo the accepted hunk", async () => {
    const t = await editorText();
    return !t.includes("# width times height") && t.includes("    return w * h");
  }, 10000);
  await shot("hunk-undone");

  // 5b'. the editor title's Reject All Changes (a real click): every hunk of the file is rejected, the card withdrawn
  // (the disk holds the hunk accepted above, saved; the buffer its undo, unsaved)
  const diskBeforeReject = fs.readFileSync(SHAPES, "utf8");
  await enqueue({ blocks: [{ type: "tool_use", name: "Write", input: { file_path: SHAPES, content: shapesProposed } }] },
                { text: "Rejected by the title button." });
  await input.fill("again");
  await input.press("Enter");
  await until("the lenses again", async () => (await lensTitles()).includes("Accept all (2)"), 20000);
  await page.locator('.editor-actions [aria-label^="Reject All Changes"]').first().click();
  await until("the card withdrawn after Reject All", () => frame.evaluate(() => !document.querySelector(".permission")), 10000);
  await until("the turn after Reject All", () => frame.evaluate(() => document.body.textContent.includes("Rejected by the title button.")), 20000);
  await until("no lenses after Reject All", async () => (await lenses()).length === 0, 10000);
  const afterReject = await editorText();
  const diskAfterReject = fs.readFileSync(SHAPES, "utf8");
  if (afterReject.includes("width times height") || diskAfterReject !== diskBeforeReject) {
    throw new Error(`Reject All changed the file: editor ${JSON.stringify(afterReject)} disk ${JSON.stringify(diskAfterReject)}`);
  }

  // 5c. partial accept from the card: untick one hunk, Allow once (1 of 2): only the ticked one is written
  await enqueue({ blocks: [{ type: "tool_use", name: "Read", input: { file_path: SIZES } }] },
                { blocks: [{ type: "tool_use", name: "Write", input: { file_path: SIZES,
                  content: sizes.replace("size 2\n", "size two\n").replace("size 11\n", "size eleven\n") } }] },
                { text: "Partly applied." });
  await input.fill("spell sizes");
  await input.press("Enter");
  const second = frame.locator(".permission .hunk input[type=checkbox]").nth(1);
  await second.waitFor({ timeout: 20000 });
  await second.uncheck();
  await until("the allow button counts", async () => (await frame.locator(ALLOW_ONCE).textContent()).includes("1 of 2"), 5000);
  await shot("partial-accept-card");
  await frame.locator(ALLOW_ONCE).click();
  await until("the partial accept's turn to end", () => frame.evaluate(() => document.body.textContent.includes("Partly applied.")), 20000);
  const written = fs.readFileSync(SIZES, "utf8");
  if (written !== sizes.replace("size 2\n", "size two\n")) throw new Error(`partial accept wrote:\n${written}`);

  // 5d. Review Changes (_tandem/review/list -> native diff baseline vs now) and Revert Changes (_tandem/review/revert)
  await palette("Tandem: Review Changes…");
  const pickBox = page.locator(".quick-input-widget input");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "sizes.txt" }).first().waitFor({ timeout: 10000 });
  await pickBox.fill("sizes.txt");
  await page.keyboard.press("Enter");
  await until("the review diff (baseline vs now)", async () => {
    const sides = (await page.locator(".monaco-diff-editor .view-lines").allInnerTexts()).join("\n").replace(/\u00a0/g, " ");
    return sides.includes("size 2\n") && sides.includes("size two");
  }, 10000);
  await shot("review-diff");
  await palette("View: Close Editor");
  await palette("Tandem: Revert Changes…");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "sizes.txt" }).first().waitFor({ timeout: 10000 });
  await pickBox.fill("sizes.txt");
  await page.keyboard.press("Enter");
  // the review diff opened sizes.txt in the editor, so the revert goes through workspace/applyEdit to its buffer
  await openFile("sizes.txt");
  await until("the revert in the editor", async () => {
    const t = await editorText();
    return t.includes("size 1") && t.includes("size 2") && !t.includes("size two");
  }, 10000);
  await until("the revert on disk (written by the server, or saved after applyEdit)", () => fs.readFileSync(SIZES, "utf8") === sizes, 10000);
  await shot("reverted");

  // 6. the session list and session/load: the History panel reopens this session, replaying its transcript
  await frame.locator("#history").click();
  await frame.locator("button.session").first().waitFor({ timeout: 10000 });
  await shot("session-list");
  await frame.locator("button.session").first().click();
  await until("the replayed transcript", () => frame.evaluate(() =>
    document.body.textContent.includes("Ran it.") && document.body.textContent.includes("Edited.")), 15000);
  await shot("session-loaded");

  // 7. the server crashes: the client restarts it, reattaches the session (session/load), and the next prompt works
  const serverPid = findServerPid();
  process.kill(serverPid, "SIGKILL");
  await until("the server to come back", async () => findServerPid(serverPid) && (await status()).includes("ready"), 30000, 200);
  await enqueue({ text: "Back after the crash." });
  await input.fill("still there?");
  await input.press("Enter");
  await until("an answer after the restart", () => frame.evaluate(() =>
    document.body.textContent.includes("Back after the crash.") && document.body.textContent.includes("Ran it.")), 45000);
  await shot("after-crash");

  // 8. a 1,000-message transcript renders within budget (dispatched to the webview as one host batch)
  results.render1000Ms = await frame.evaluate(async () => {
    const messages = [{ type: "session", sessionId: "bench", modes: null, configOptions: null, reset: true }];
    for (let i = 0; i < 500; i++) {
      messages.push({ type: "userPrompt", text: `Question ${i}: how does part ${i} work?`, attachments: [] });
      messages.push({ type: "update", sessionId: "bench", t: Date.now(), update: { sessionUpdate: "agent_message_chunk",
        messageId: `m${i}`, content: { type: "text", text: `Answer **${i}**: it calls \`f(${i})\`.\n\n- first point\n- second point\n\n\`\`\`ts\nconst x = ${i};\n\`\`\`` } } });
    }
    const start = performance.now();
    window.dispatchEvent(new MessageEvent("message", { data: { type: "batch", messages } }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const elapsed = performance.now() - start;
    if (document.querySelectorAll("#transcript > .msg").length !== 1000) throw new Error("not 1000 messages");
    return Math.round(elapsed);
  });
  await shot("transcript-1000");
  ok = true;
} catch (e) {
  log("FAILED:", e.stack ?? e);
  log("lenses at the failure:", JSON.stringify(await lenses().then((l) => l.map(({ text, y }) => ({ text, y }))).catch(() => [])));
  await shot("failure").catch(() => {});
} finally {
  await browser.close().catch(() => {});
  cleanup();
}
console.log(JSON.stringify({ ok, ...results }));
process.exit(ok ? 0 : 1);
