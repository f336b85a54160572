// clusterer report: draws the storylines of the JSON blob, one page at a time.
// Text from the data is only ever set with textContent (feeds are untrusted input).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var stories = data.storylines;
  var pageSize = data.pageSize;
  var MAX_COPY_IDS = 20;

  // One lowercase text per storyline, built once: a keystroke then scans strings only.
  var haystacks = stories.map(function (s) {
    var parts = [s.id, s.headline, s.keywords.join(" "), s.src.join(" ")];
    s.articles.forEach(function (a) { parts.push(a[1]); });
    return parts.join("\n").toLowerCase();
  });
  var sorters = {
    size: null,  // the file's order: largest first, then by id
    newest: function (a, b) { return cmp(stories[b].last, stories[a].last) || a - b; },
    oldest: function (a, b) { return cmp(stories[a].first, stories[b].first) || a - b; },
    sources: function (a, b) { return stories[b].sources - stories[a].sources || a - b; }
  };
  function cmp(x, y) {  // ISO times compare as strings; storylines without one go last
    if (x === y) { return 0; }
    if (x === null) { return 1; }
    if (y === null) { return -1; }
    return x < y ? -1 : 1;
  }

  var search = document.getElementById("search");
  var sortBox = document.getElementById("sort");
  var status = document.getElementById("status");
  var list = document.getElementById("storylines");
  var pagers = document.querySelectorAll(".pager");
  var state = { q: "", sort: "size", page: 1 };
  var shown = null;  // indexes matching state.q in state.sort order

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    state.q = params.get("q") || "";
    state.sort = sorters.hasOwnProperty(params.get("sort")) ? params.get("sort") : "size";
    state.page = Math.max(1, parseInt(params.get("page"), 10) || 1);
    search.value = state.q;
    sortBox.value = state.sort;
    shown = null;
  }
  function writeHash() {
    var params = new URLSearchParams();
    if (state.q) { params.set("q", state.q); }
    if (state.sort !== "size") { params.set("sort", state.sort); }
    if (state.page > 1) { params.set("page", String(state.page)); }
    var hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }

  function matching() {
    if (shown) { return shown; }
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    shown = [];
    for (var i = 0; i < stories.length; i++) {
      var text = haystacks[i];
      if (terms.every(function (t) { return text.indexOf(t) !== -1; })) { shown.push(i); }
    }
    if (sorters[state.sort]) { shown.sort(sorters[state.sort]); }
    return shown;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function when(iso) {
    if (!iso) { return "no time"; }
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().slice(0, 16).replace("T", " ");
  }
  function span(s) {
    if (!s.first) { return "no time"; }
    var hours = (new Date(s.last) - new Date(s.first)) / 3600000;
    var length = hours < 48 ? Math.round(hours) + " h" : Math.round(hours / 24) + " days";
    return when(s.first) + " → " + when(s.last) + " UTC (" + length + ")";
  }

  function articlesTable(s) {
    var table = el("table", "articles");
    var head = table.createTHead().insertRow();
    ["published (UTC)", "source", "title", "copies merged into it"].forEach(function (h) {
      head.appendChild(el("th", null, h));
    });
    var body = table.createTBody();
    s.articles.forEach(function (a) {  // [id, title, url, source, published, copy ids]
      var row = body.insertRow();
      row.appendChild(el("td", "time", when(a[4])));
      row.appendChild(el("td", "source", a[3] || "—"));
      var title = el("td", "title");
      if (a[2] && /^https?:\/\//i.test(a[2])) {
        var link = el("a", null, a[1] || a[2]);
        link.href = a[2];
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        title.appendChild(link);
      } else {
        title.textContent = a[1];
      }
      title.appendChild(el("span", "id", " " + a[0]));
      row.appendChild(title);
      var copies = el("td", "copies");
      if (a[5].length) {
        copies.appendChild(el("b", null, "+" + a[5].length));
        var ids = a[5].slice(0, MAX_COPY_IDS).join(", ");
        var more = a[5].length - MAX_COPY_IDS;
        copies.appendChild(document.createTextNode(" " + ids + (more > 0 ? ", … " + more + " more" : "")));
      }
      row.appendChild(copies);
    });
    return table;
  }

  function storyCard(i, rank) {
    var s = stories[i];
    var card = el("li", "story");
    card.id = s.id;
    var h = el("h2");
    h.appendChild(el("span", "rank", "#" + rank));
    h.appendChild(document.createTextNode(s.headline));
    card.appendChild(h);
    var groups = s.articles.filter(function (a) { return a[5].length; }).length;
    var meta = el("div", "meta");
    meta.appendChild(el("span", "size", s.size + " articles (" + s.articles.length + " distinct, " +
                        groups + " duplicate group" + (groups === 1 ? "" : "s") + ")"));
    meta.appendChild(el("span", "nsources", s.sources + " source" + (s.sources === 1 ? "" : "s")));
    meta.appendChild(el("span", "span", span(s)));
    meta.appendChild(el("span", "sid", s.id));
    card.appendChild(meta);
    var keywords = el("div", "keywords");
    s.keywords.forEach(function (k) { keywords.appendChild(el("span", null, k)); });
    card.appendChild(keywords);
    if (s.src.length) {
      var names = s.src.slice(0, 12).join(", ") + (s.src.length > 12 ? ", …" : "");
      card.appendChild(el("div", "sources", "Sources: " + names));
    }
    // The article table is built when first opened: a page stays cheap whatever the sizes.
    var details = el("details");
    details.appendChild(el("summary", null, "Articles (" + s.articles.length + ")"));
    details.addEventListener("toggle", function () {
      if (details.open && !details.querySelector("table")) { details.appendChild(articlesTable(s)); }
    });
    card.appendChild(details);
    if (state.q.trim().toLowerCase() === s.id) { details.open = true; }
    return card;
  }

  function drawPagers(pages) {
    pagers.forEach(function (nav) {
      nav.textContent = "";
      var prev = el("button", "prev", "« Previous");
      prev.disabled = state.page <= 1;
      prev.addEventListener("click", function () { go(state.page - 1); });
      var next = el("button", "next", "Next »");
      next.disabled = state.page >= pages;
      next.addEventListener("click", function () { go(state.page + 1); });
      nav.appendChild(prev);
      nav.appendChild(el("span", "page", "Page " + state.page + " of " + pages));
      nav.appendChild(next);
    });
  }

  function render() {
    var rows = matching();
    var pages = Math.max(1, Math.ceil(rows.length / pageSize));
    state.page = Math.min(state.page, pages);
    var start = (state.page - 1) * pageSize;
    var page = rows.slice(start, start + pageSize);
    var fragment = document.createDocumentFragment();
    page.forEach(function (i, k) { fragment.appendChild(storyCard(i, start + k + 1)); });
    list.textContent = "";
    list.appendChild(fragment);
    var of = rows.length === stories.length ? "" : " (of " + stories.length + ")";
    status.textContent = rows.length
      ? "Storylines " + (start + 1) + "–" + (start + page.length) + " of " + rows.length +
        (state.q ? " matching “" + state.q + "”" : "") + of
      : state.q ? "No storyline matches “" + state.q + "”" + of : "No storylines.";
    drawPagers(pages);
  }

  function go(page) {
    state.page = page;
    writeHash();
    render();
    list.scrollIntoView();
  }

  var timer = null;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      state.q = search.value;
      state.page = 1;
      shown = null;
      writeHash();
      render();
    }, 150);
  });
  sortBox.addEventListener("change", function () {
    state.sort = sortBox.value;
    state.page = 1;
    shown = null;
    writeHash();
    render();
  });
  window.addEventListener("hashchange", function () { readHash(); render(); });

  // A click on a bar shows that storyline (the "other storylines" series has no id).
  var chart = document.getElementById("timeline");
  if (chart && chart.on) {
    chart.on("plotly_click", function (event) {
      var id = event.points.length && event.points[0].customdata;
      if (id) {
        search.value = id;
        state.q = id;
        state.page = 1;
        shown = null;
        writeHash();
        render();
        list.scrollIntoView();
      }
    });
  }

  readHash();
  render();
  // Milliseconds from navigation to the first page drawn (read by tests and benchmarks).
  document.body.setAttribute("data-rendered-ms", String(Math.round(performance.now())));
})();
