/**
 * The cache explorer: entries found by their prompt (`GET /admin/entries?q=`), one entry with its aliases,
 * statistics and answer (`GET /admin/entries/:key`), and deleting it (`DELETE /admin/entries/:key`).
 */
import { admin } from "./api.js";
import { ago, bytes, count, dateTime, el } from "./format.js";

const PAGE = 25;

/**
 * @param {{ onError: (error: unknown) => void, onDeleted: () => void }} hooks
 */
export function createExplorer(hooks) {
  const form = /** @type {HTMLFormElement} */ (document.getElementById("search-form"));
  const q = /** @type {HTMLInputElement} */ (document.getElementById("q"));
  const ns = /** @type {HTMLInputElement} */ (document.getElementById("ns"));
  const tbody = /** @type {HTMLElement} */ (document.getElementById("results"));
  const empty = /** @type {HTMLElement} */ (document.getElementById("results-empty"));
  const more = /** @type {HTMLButtonElement} */ (document.getElementById("more"));
  const detail = /** @type {HTMLElement} */ (document.getElementById("detail"));
  let cursor = null;
  let selected = null;
  let generation = 0;

  const query = (withCursor) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (q.value.trim()) params.set("q", q.value.trim());
    if (ns.value.trim()) params.set("namespace", ns.value.trim());
    if (withCursor && cursor) params.set("cursor", cursor);
    return `/admin/entries?${params}`;
  };

  async function search(append = false) {
    const mine = ++generation;
    try {
      const page = await admin(query(append));
      if (mine !== generation) return; // a newer search answered first
      if (!append) tbody.replaceChildren();
      for (const entry of page.entries) tbody.append(row(entry));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = tbody.children.length > 0;
    } catch (error) {
      hooks.onError(error);
    }
  }

  function row(entry) {
    const tr = el("tr");
    tr.tabIndex = 0;
    tr.dataset.key = entry.key;
    if (entry.key === selected) tr.classList.add("selected");
    const prompt = el("td", entry.prompt || "(no prompt)", "prompt");
    prompt.title = entry.prompt;
    tr.append(
      prompt,
      el("td", entry.namespace),
      el("td", count(entry.hit_count), "num"),
      el("td", count(entry.aliases), "num"),
      el("td", bytes(entry.size), "num"),
      el("td", ago(entry.created_at), "when"),
    );
    const open = () => show(entry.key);
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open();
      }
    });
    return tr;
  }

  async function show(key) {
    selected = key;
    for (const tr of tbody.querySelectorAll("tr")) tr.classList.toggle("selected", tr.dataset.key === key);
    try {
      renderDetail(await admin(`/admin/entries/${key}`));
    } catch (error) {
      detail.replaceChildren(el("p", `Could not load ${key}: ${error.message}`, "error"));
      hooks.onError(error);
    }
  }

  function renderDetail(entry) {
    const facts = el("dl", null, "facts");
    const fact = (name, value) =>
      facts.append(el("dt", name), value instanceof Node ? wrap(value) : el("dd", value));
    const wrap = (node) => {
      const dd = el("dd");
      dd.append(node);
      return dd;
    };
    const tiers = el("span");
    for (const tier of entry.stored_in) tiers.append(el("span", tier.toUpperCase(), "tier-tag"));
    if (entry.stored_in.length === 0) tiers.textContent = "L1 only (this isolate's memory)";
    fact("Key", el("span", entry.key, "mono"));
    fact("Namespace", entry.namespace);
    fact("Model", entry.model || "–");
    fact("Stored in", tiers);
    fact("Hits (D1 index)", `${count(entry.hit_count)} · last ${ago(entry.last_hit_at)}`);
    fact("Size", `${bytes(entry.size)} plain · ${bytes(entry.stored_size)} stored (${entry.codec})`);
    fact("Created", `${dateTime(entry.created_at)} (${ago(entry.created_at)})`);
    fact("Expires", entry.expires_at ? dateTime(entry.expires_at) : "with the tiers' TTLs");
    if (entry.usage)
      fact("Tokens", `${count(entry.usage.prompt_tokens)} in · ${count(entry.usage.completion_tokens)} out`);
    if (entry.upstream) fact("Upstream", entry.upstream);

    const parts = [el("h3", entry.prompt || "(no prompt)"), facts];
    parts.push(el("h2", `Aliases (${entry.aliases.length})`));
    if (entry.aliases.length === 0) {
      parts.push(el("p", "No paraphrase has been answered by this entry yet.", "muted"));
    } else {
      const table = el("table");
      const head = el("tr");
      head.append(el("th", "Paraphrase"), el("th", "Similarity", "num"), el("th", "Why accepted"));
      const thead = el("thead");
      thead.append(head);
      const body = el("tbody");
      for (const alias of entry.aliases) {
        const tr = el("tr");
        tr.append(
          el("td", alias.prompt),
          el("td", alias.similarity.toFixed(3), "num"),
          el("td", alias.reason),
        );
        body.append(tr);
      }
      table.append(thead, body);
      parts.push(table);
    }
    if (entry.response_preview != null) {
      const cut = entry.response_chars > entry.response_preview.length;
      parts.push(
        el(
          "h2",
          `Answer${cut ? ` (first ${count(entry.response_preview.length)} of ${count(entry.response_chars)} characters)` : ""}`,
        ),
      );
      parts.push(el("pre", entry.response_preview));
    }
    parts.push(deleteControls(entry));
    detail.replaceChildren(...parts);
  }

  /** Two steps, so one stray click deletes nothing. */
  function deleteControls(entry) {
    const box = el("div", null, "actions");
    const ask = el("button", "Delete entry…", "ghost");
    ask.type = "button";
    ask.addEventListener("click", () => {
      const note = el("span", "Delete it from every tier, with its aliases?");
      const confirm = el("button", "Delete", "danger");
      confirm.type = "button";
      const cancel = el("button", "Cancel", "ghost");
      cancel.type = "button";
      cancel.addEventListener("click", () => box.replaceChildren(ask));
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          await admin(`/admin/entries/${entry.key}`, { method: "DELETE" });
          selected = null;
          tbody.querySelector(`tr[data-key="${entry.key}"]`)?.remove();
          empty.hidden = tbody.children.length > 0;
          detail.replaceChildren(el("p", `Deleted ${entry.key}.`, "ok-text"));
          hooks.onDeleted();
        } catch (error) {
          confirm.disabled = false;
          box.append(el("span", error.message, "error"));
          hooks.onError(error);
        }
      });
      box.replaceChildren(note, confirm, cancel);
      confirm.focus();
    });
    box.append(ask);
    return box;
  }

  let debounce;
  q.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => search(), 300);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(debounce);
    search();
  });
  more.addEventListener("click", () => search(true));

  return {
    search,
    show,
    reset() {
      generation++;
      cursor = null;
      selected = null;
      tbody.replaceChildren();
      detail.replaceChildren(el("p", "Select an entry to see its aliases, statistics and answer.", "muted"));
    },
  };
}
