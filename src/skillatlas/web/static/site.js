/* SkillAtlas: the few behaviours pages share. No framework; works with htmx's boosted navigation. */
(function () {
  "use strict";

  function csrf() {
    // A form's hidden token first: htmx's boosted navigation swaps the body, not <head>, so after logging in
    // the meta tag still holds the visitor's token while the page's forms (the log-out form too) hold the session's.
    var input = document.querySelector('input[name="csrf_token"]');
    if (input && input.value) return input.value;
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // --- the menu: a toggle on small screens; one group open at a time ---------------------------------
  function initMenu(root) {
    var toggle = root.querySelector(".menu-toggle");
    if (toggle && !toggle.dataset.ready) {
      toggle.dataset.ready = "1";
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", open ? "false" : "true");
        document.getElementById("site-menu").classList.toggle("open", !open);
      });
    }
    root.querySelectorAll("details.menu-group").forEach(function (group) {
      if (group.dataset.ready) return;
      group.dataset.ready = "1";
      group.addEventListener("toggle", function () {
        if (!group.open) return;
        document.querySelectorAll("details.menu-group[open]").forEach(function (other) {
          if (other !== group) other.open = false;
        });
      });
    });
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest || event.target.closest("details.menu-group")) return;
    document.querySelectorAll("details.menu-group[open]").forEach(function (g) { g.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu-group[open]").forEach(function (g) {
      g.open = false;
      g.querySelector("summary").focus();
    });
  });

  // --- the skill picker (macros.html: skill_picker) --------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function initPicker(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    var name = picker.dataset.name;
    var levels = JSON.parse(picker.dataset.levels || "[]");
    var withLevel = picker.dataset.withLevel === "true";
    var levelLabel = picker.dataset.levelLabel || "Level";
    var noun = picker.dataset.noun || "skill";
    var source = picker.dataset.source || "/api/taxonomy/skills";
    var list = picker.querySelector("ul.picked");
    var empty = picker.querySelector(".empty-note");
    var search = picker.querySelector("input.skill-search");
    var options = picker.querySelector("ul.options");
    var active = -1;
    var timer = null;
    var lastQuery = "";

    function refresh() { empty.hidden = list.children.length > 0; }

    function has(uri) {
      return Array.prototype.some.call(list.children, function (li) { return li.dataset.uri === uri; });
    }

    function add(uri, label, level) {
      if (has(uri)) return false;
      var li = el("li", { "data-uri": uri });
      li.appendChild(el("span", { "class": "skill-label" }, label));
      li.appendChild(el("input", { type: "hidden", name: name + ".uri", value: uri }));
      if (withLevel) {
        var select = el("select", { name: name + ".level", "aria-label": levelLabel + " for " + label });
        levels.forEach(function (pair) {
          var option = el("option", { value: pair[0] }, pair[1]);
          if (pair[0] === (level || levels[Math.min(1, levels.length - 1)][0])) option.selected = true;
          select.appendChild(option);
        });
        li.appendChild(select);
      }
      li.appendChild(el("button", { type: "button", "class": "remove secondary", "aria-label": "Remove " + label }, "Remove"));
      list.appendChild(li);
      refresh();
      return true;
    }

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button.remove");
      if (!button) return;
      var li = button.closest("li");
      var next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      refresh();
      (next ? next.querySelector("button.remove") : search).focus();
    });

    function close() {
      options.hidden = true;
      options.innerHTML = "";
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = options.querySelectorAll("li[role=option]:not([aria-disabled])");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      search.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      add(item.dataset.uri, item.dataset.label);
      search.value = "";
      close();
      search.focus();
    }

    function show(found) {
      options.innerHTML = "";
      if (!found.length) {
        // an option that cannot be chosen: a listbox holds options only (WAI-ARIA), and a screen reader reads it
        options.appendChild(el("li", { "class": "none", role: "option", "aria-disabled": "true", "aria-selected": "false" }, "No " + noun + " matches “" + lastQuery + "”."));
      }
      found.forEach(function (skill, i) {
        var item = el("li", { role: "option", id: picker.id + "-opt-" + i, "data-uri": skill.uri, "data-label": skill.preferred_label, "aria-selected": "false" });
        item.appendChild(el("span", {}, skill.preferred_label));
        if (skill.matched_label && skill.matched_label !== skill.preferred_label) {
          item.appendChild(el("span", { "class": "muted small" }, " · also called “" + skill.matched_label + "”"));
        }
        if (has(skill.uri)) item.appendChild(el("span", { "class": "muted small" }, " · chosen"));
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        options.appendChild(item);
      });
      options.hidden = false;
      search.setAttribute("aria-expanded", "true");
      active = -1;
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      var query = search.value.trim();
      if (query.length < 2) { close(); return; }
      timer = setTimeout(function () {
        lastQuery = query;
        fetch(source + "?limit=12&q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (found) { if (search.value.trim() === query) show(found); })
          .catch(function () { close(); });
      }, 150);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter") {
        // Enter picks the highlighted (or the only) skill instead of submitting the form.
        var items = options.querySelectorAll("li[role=option]:not([aria-disabled])");
        if (!options.hidden && items.length) {
          event.preventDefault();
          choose(items[active >= 0 ? active : 0]);
        } else if (search.value.trim()) {
          event.preventDefault();
        }
      } else if (event.key === "Escape") { close(); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });

    // "Suggest from text": the platform's skill extraction, reviewed before anything is added.
    var run = picker.querySelector("button.suggest-run");
    if (run) {
      var text = picker.querySelector("textarea.suggest-text");
      var out = picker.querySelector(".suggestions");
      // data-suggest-from: the form's own text (a description, a CV) is what the suggestion reads by default
      var from = picker.dataset.suggestFrom ? document.getElementById(picker.dataset.suggestFrom) : null;
      var details = picker.querySelector("details.suggest");
      if (from && details) {
        details.addEventListener("toggle", function () {
          if (details.open && !text.value.trim() && from.value.trim()) text.value = from.value;
        });
      }
      run.addEventListener("click", function () {
        if (!text.value.trim() && from && from.value.trim()) text.value = from.value;
        if (!text.value.trim()) { out.textContent = "Paste a text first."; return; }
        out.textContent = "Looking for skills…";
        run.disabled = true;
        fetch("/api/intelligence/extract", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ text: text.value, top: 15 }),
        })
          .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
          .then(function (answer) {
            run.disabled = false;
            out.innerHTML = "";
            if (!answer.ok) { out.textContent = answer.body.detail || "The text could not be read."; return; }
            if (!answer.body.length) { out.textContent = "No skill found in this text."; return; }
            var box = el("fieldset", { "class": "suggested" });
            box.appendChild(el("legend", {}, "Suggested skills: tick the ones to add"));
            answer.body.forEach(function (s, i) {
              var id = picker.id + "-sug-" + i;
              var row = el("div", { "class": "suggestion" });
              var check = el("input", { type: "checkbox", id: id, value: s.uri, "data-label": s.label });
              if (has(s.uri)) { check.checked = true; check.disabled = true; }
              var label = el("label", { "for": id, "class": "check" });
              label.appendChild(check);
              label.appendChild(el("span", {}, " " + s.label));
              row.appendChild(label);
              if (s.evidence) row.appendChild(el("q", { "class": "evidence small muted" }, s.evidence));
              box.appendChild(row);
            });
            var accept = el("button", { type: "button", "class": "suggest-accept" }, "Add the ticked skills");
            accept.addEventListener("click", function () {
              var added = 0;
              box.querySelectorAll("input[type=checkbox]:checked:not(:disabled)").forEach(function (c) {
                if (add(c.value, c.dataset.label)) added += 1;
                c.disabled = true;
              });
              out.appendChild(el("p", { "class": "small", role: "status" }, added + " skill" + (added === 1 ? "" : "s") + " added."));
            });
            box.appendChild(accept);
            out.appendChild(box);
          })
          .catch(function () { run.disabled = false; out.textContent = "The suggestion service did not answer; try again."; });
      });
    }
    refresh();
  }

  // --- small behaviours named by data attributes (the Content-Security-Policy allows no inline handlers) ---
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-select-on-focus]")) field.select();  // a share link, ready to copy
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy-on-submit]")) return;
    form.classList.add("busy");  // shows the form's busy note while a long request runs
    var button = form.querySelector("button");
    if (button) button.disabled = true;
  });

  function init(root) {
    initMenu(document);
    (root || document).querySelectorAll(".skill-picker").forEach(initPicker);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
