/* Run, Edit and Reset under the Python blocks the build marked runnable.
 *
 * The build (doctests/sitegen/runnable.py) gives each ```python block's
 * div.highlight either data-pyrun="run" (with the page's line number) or
 * data-pyrun="no" and a one-line reason. Nothing else is loaded until a Run
 * button is clicked: then assets/pyodide/run.json names the pinned Pyodide
 * runtime, the reference wheel and the driver (doctests/sitegen/browser_driver.py),
 * all served by this site. See docs/about/run-in-browser.md.
 *
 * Semantics follow `python -m doctests`: one namespace per page, earlier
 * blocks run first, `>>>` blocks echo values and are compared with the page.
 */
(() => {
  "use strict";
  if (window.__pyrun) return; // instant navigation keeps this script (and Python) alive across pages

  const CONFIG_URL = new URL("../pyodide/run.json", document.currentScript.src);
  const LOAD_LIMIT_MS = 120000;
  const stats = (window.__pyrun = { loads: 0, loadMs: null, runs: 0 }); // read by the browser tests
  let runtime = null; // Promise of { driver, config }, made on the first click
  let queue = Promise.resolve(); // runs happen one at a time
  let blocks = []; // the current page's runnable blocks, in page order
  let pageKey = ""; // names the page's namespace in Python; a new visit gets a fresh one
  let visits = 0;
  let shown = null; // the content element attach() last set up; instant navigation replaces it

  const make = (tag, className, text) => {
    const element = document.createElement(tag);
    element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  };

  /* Find the marked blocks of the page just shown (first load, or after instant navigation). */
  function attach() {
    const content = document.querySelector('[data-md-component="container"]') || document.body;
    if (content === shown) return; // called twice for one page (document$ and DOMContentLoaded)
    shown = content;
    visits += 1;
    pageKey = `${location.pathname}#${visits}`;
    blocks = [];
    for (const element of document.querySelectorAll("div.highlight[data-pyrun]")) {
      if (element.dataset.pyrunReady) continue;
      element.dataset.pyrunReady = "1";
      if (element.dataset.pyrun === "run") blocks.push(setUp(element, blocks.length));
      else element.after(make("p", "pyrun-reason", `Not runnable in the browser: ${element.dataset.pyrunReason}.`));
    }
    document.body.dataset.pyrunPage = location.pathname; // tests wait for this after navigating
  }

  /* Buttons, a status line and an output area under one runnable block. */
  function setUp(element, index) {
    const code = element.querySelector("code");
    const original = code.textContent;
    const block = {
      element,
      index,
      original,
      kind: original.trimStart().startsWith(">>>") ? "session" : "script",
      line: Number(element.dataset.pyrunLine),
      src: element.dataset.pyrunSrc,
      ran: false,
      editor: null,
    };
    const bar = make("div", "pyrun-bar");
    const run = make("button", "md-button pyrun-run", "▶ Run");
    const edit = make("button", "md-button pyrun-edit", "Edit");
    const reset = make("button", "md-button pyrun-reset", "Reset");
    run.title = "Run in this tab with Python compiled to WebAssembly (about 12 MB on the first click)";
    block.status = make("span", "pyrun-status");
    block.output = make("pre", "pyrun-output");
    block.output.hidden = true;
    block.bar = bar;
    bar.append(run, edit, reset, block.status);
    element.after(bar, block.output);
    run.addEventListener("click", () => onRun(block));
    edit.addEventListener("click", () => openEditor(block));
    reset.addEventListener("click", () => resetBlock(block));
    return block;
  }

  /* The code a reader edits: a `>>>` session without its prompts and output. */
  function editable(block) {
    if (block.kind !== "session") return block.original;
    const lines = [];
    for (const line of block.original.split("\n")) {
      if (/^(>>>|\.\.\.)( |$)/.test(line)) lines.push(line.slice(4));
    }
    return lines.join("\n") + "\n";
  }

  function openEditor(block) {
    if (block.editor) return block.editor.focus();
    const text = editable(block);
    block.editor = make("textarea", "pyrun-editor");
    block.editor.value = text;
    block.editor.spellcheck = false;
    block.editor.rows = Math.min(30, text.split("\n").length + 1);
    block.element.hidden = true;
    block.element.after(block.editor);
    block.editor.focus();
  }

  function resetBlock(block) {
    if (block.editor) block.editor.remove();
    block.editor = null;
    block.element.hidden = false;
    block.output.hidden = true;
    block.output.textContent = "";
    setStatus(block, "", "");
  }

  function setStatus(block, state, text) {
    block.bar.dataset.pyrunStatus = state;
    block.status.textContent = text;
  }

  function onRun(block) {
    if (location.protocol === "file:") {
      // Browsers refuse module scripts and fetch() on file:// pages.
      setStatus(block, "file", "Running needs the site over http: run `make serve` in the repository and open "
        + "http://127.0.0.1:8000/ (or run `python3 -m http.server` in the site folder).");
      return;
    }
    const key = pageKey;
    queue = queue.then(() => runUpTo(block, key)).catch((error) => {
      setStatus(block, "error", `Could not run this example: ${error.message || error}`);
    });
  }

  /* Earlier blocks that have not run yet run first: they define what this one uses. */
  async function runUpTo(target, key) {
    if (key !== pageKey) return; // the reader has left the page
    if (!runtime) setStatus(target, "loading", "Loading Python (first run only)…");
    const python = await load();
    for (const block of blocks.slice(0, target.index)) {
      if (!block.ran && key === pageKey) await runOne(python, block, key);
    }
    if (key === pageKey) await runOne(python, target, key);
  }

  async function runOne({ driver, config }, block, key) {
    const edited = block.editor !== null && block.editor.value !== editable(block);
    const source = edited ? block.editor.value : block.original;
    const mode = edited ? (block.kind === "session" ? "interactive" : "script") : block.kind;
    setStatus(block, "running", `Running… (an await stops after ${config.timeout} s; `
      + "code that never awaits cannot be interrupted and holds the tab)");
    const started = performance.now();
    const answer = await driver.run_json(
      key, source, edited ? 1 : block.line + 1, mode, !edited, block.src, config.timeout);
    const result = JSON.parse(answer);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    block.ran = true;
    stats.runs += 1;
    let text = result.transcript || "(no output)\n";
    if (result.status === "differs") text += "\n--- differs from the page:\n" + result.differences.join("\n");
    block.output.textContent = text;
    block.output.hidden = false;
    const verdicts = {
      matches: "✓ output matches the page",
      differs: "≠ output differs from the page",
      ran: "✓ ran",
      raised: edited ? "raised an exception" : "≠ raised an exception; the page expects none",
      timeout: `stopped: no result after ${config.timeout} s`,
    };
    const note = edited ? " (edited: not compared with the page)" : "";
    setStatus(block, result.status, `${verdicts[result.status]}${note} · ${seconds} s`);
  }

  function load() {
    if (!runtime) runtime = start().catch((error) => {
      runtime = null; // a later click tries again
      throw error;
    });
    return runtime;
  }

  async function start() {
    const started = performance.now();
    const config = await (await fetchOk(CONFIG_URL, { cache: "no-cache" })).json();
    const base = new URL(config.runtime, CONFIG_URL);
    const { loadPyodide } = await importScript(new URL("pyodide.mjs", base));
    // Pyodide would import() this itself; doing it here makes a wrong Content-Type harmless.
    if (typeof globalThis._createPyodideModule !== "function") await importScript(new URL("pyodide.asm.js", base));
    const py = await withLimit(withWasmFallback(() => loadPyodide({ indexURL: base.href })), LOAD_LIMIT_MS);
    const problems = [];
    await py.loadPackage(new URL(config.wheel, CONFIG_URL).href, {
      messageCallback: () => {},
      errorCallback: (message) => problems.push(message),
    });
    if (problems.length) throw new Error(problems.join("; "));
    const driverText = await (await fetchOk(new URL(config.driver, CONFIG_URL))).text();
    py.FS.mkdirTree("/pyrun");
    py.FS.writeFile("/pyrun/pyrun_driver.py", driverText);
    py.runPython("import sys; sys.path.insert(0, '/pyrun'); import reference_impl");
    const driver = py.pyimport("pyrun_driver");
    stats.loads += 1;
    stats.loadMs = performance.now() - started;
    return { driver, config };
  }

  async function fetchOk(url, options) {
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
    return response;
  }

  /* import() a script through a blob: works whatever Content-Type the host sends for .mjs/.js. */
  async function importScript(url) {
    const text = await (await fetchOk(url)).text();
    const blobUrl = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    try {
      return await import(blobUrl);
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
  }

  /* A host that sends .wasm as application/octet-stream makes instantiateStreaming throw, and
   * Pyodide then waits forever: while loading, such a response is compiled from its bytes. */
  async function withWasmFallback(load) {
    const streaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = async (source, imports) => {
      const response = await source;
      const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      if (type === "application/wasm" && streaming) return streaming.call(WebAssembly, response, imports);
      return WebAssembly.instantiate(await response.arrayBuffer(), imports);
    };
    try {
      return await load();
    } finally {
      WebAssembly.instantiateStreaming = streaming;
    }
  }

  function withLimit(promise, ms) {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Python did not start within ${ms / 1000} s`)), ms);
    });
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
  }

  // Material's document$ fires after each instant navigation (and on the first load, except
  // from file://, where it may not); DOMContentLoaded covers the first load everywhere.
  if (window.document$) window.document$.subscribe(attach);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach);
  else attach();
})();
