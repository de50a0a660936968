/* pressroom: full-text search on the static site. The language's index is
   split into fragments (see the data-index manifest): a query fetches the
   word fragments its words fall in, then the release fragments of the
   results it shows. A query word matches the words that begin with it
   (whole words only under 3 letters); a word finds the other forms of its
   stem, a form no release has finds the forms that share its start, and a
   compound is found by its parts. Every word must match;
   results are ranked by where and how often their words occur, newest
   first among equals. Without JavaScript the page is a list of archive
   years. */
(function (root) {
  'use strict';

  /* The rule of the index's words: letters and digits, lower-cased. */
  var SPLIT = /[^\p{L}\p{N}]+/u;
  var PREFIX_MIN = 3;
  /* Word fragments a prefix may pull in beyond the word's own. */
  var PREFIX_FRAGMENTS = 2;
  var PAGE = 20;

  function words(q) {
    var seen = {};
    return q.toLowerCase().split(SPLIT).filter(function (w) {
      if (w.length < 2 || w.length > 40 || seen[w]) { return false; }
      seen[w] = true;
      return true;
    });
  }

  /* The last index i with list[i] <= w (0 when none). */
  function floor(list, w) {
    var lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] <= w) { lo = mid + 1; } else { hi = mid; }
    }
    return Math.max(0, lo - 1);
  }

  /* The first index i with list[i] >= w. */
  function lower(list, w) {
    var lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] < w) { lo = mid + 1; } else { hi = mid; }
    }
    return lo;
  }

  /* An index at `url` (its manifest); `load(url)` resolves to parsed JSON. */
  function Index(url, load) {
    this.dir = url.slice(0, url.lastIndexOf('/') + 1);
    this.load = load;
    this.cache = new Map();
    this.manifest = load(url);
  }

  Index.prototype.fragment = function (name) {
    var self = this;
    if (!self.cache.has(name)) {
      self.cache.set(name, self.manifest.then(function (m) {
        return self.load(self.dir + name + '.json?v=' + m.v);
      }));
    }
    return self.cache.get(name);
  };

  /* Release number -> score for one query word. A word that finds
     nothing is shortened a letter at a time, to no less than 60% of it
     (and 4 letters), and matched as the start of words: an inflected form
     the releases do not have finds the ones they have (`vaihtoehdot`,
     `vaihtoehtoja`, `vaihtoehtoa` share `vaihtoeh`). */
  Index.prototype.word = function (m, w, full) {
    var self = this;
    full = full || w;
    return self.match(m, w, w === full).then(function (scores) {
      if (scores.size > 0 || w.length - 1 < Math.max(4, Math.ceil(full.length * 0.6))) {
        return scores;
      }
      return self.word(m, w.slice(0, -1), full);
    });
  };

  Index.prototype.match = function (m, w, whole) {
    var prefix = w.length >= PREFIX_MIN;
    var first = floor(m.w, w);
    var names = ['w' + first];
    for (var i = first + 1; prefix && i < m.w.length && names.length <= PREFIX_FRAGMENTS; i++) {
      if (m.w[i].lastIndexOf(w, 0) !== 0) { break; }
      names.push('w' + i);
    }
    return Promise.all(names.map(this.fragment, this)).then(function (fragments) {
      var scores = new Map();
      fragments.forEach(function (f) {
        var done = {};
        for (var j = lower(f.w, w); j < f.w.length; j++) {
          var form = f.w[j];
          var exact = form === w;
          if (!exact && !(prefix && form.lastIndexOf(w, 0) === 0)) { break; }
          var slot = f.s[j];
          if (done[slot] && !exact) { continue; }
          done[slot] = true;
          var doc = 0;
          f.p[slot].forEach(function (n) {
            doc += Math.floor(n / 16);
            var weight = n % 16;
            var score = (weight & 7) + (weight & 8 ? 10 : 0) + (exact && whole ? 2 : 0);
            if ((scores.get(doc) || 0) < score) { scores.set(doc, score); }
          });
        }
      });
      return scores;
    });
  };

  /* The releases that have every word of `q`, best first. */
  Index.prototype.search = function (q) {
    var self = this;
    var ws = words(q);
    if (ws.length === 0) { return Promise.resolve([]); }
    return self.manifest.then(function (m) {
      return Promise.all(ws.map(function (w) { return self.word(m, w); }));
    }).then(function (maps) {
      maps.sort(function (a, b) { return a.size - b.size; });
      var hits = [];
      maps[0].forEach(function (score, doc) {
        for (var k = 1; k < maps.length; k++) {
          var s = maps[k].get(doc);
          if (s === undefined) { return; }
          score += s;
        }
        hits.push([doc, score]);
      });
      /* Releases are numbered from the oldest. */
      hits.sort(function (a, b) { return b[1] - a[1] || b[0] - a[0]; });
      return hits.map(function (h) { return h[0]; });
    });
  };

  /* The releases `docs` as [title, address, date, ISO date, excerpt]. */
  Index.prototype.releases = function (docs) {
    var self = this;
    return self.manifest.then(function (m) {
      return Promise.all(docs.map(function (d) {
        return self.fragment('r' + Math.floor(d / m.r)).then(function (rows) {
          return rows[d % m.r];
        });
      }));
    });
  };

  root.PressroomSearch = Index;

  var document = root.document;
  var form = document && document.getElementById('search-form');
  if (!form || !root.fetch || !root.Map || !root.Promise) { return; }
  var input = document.getElementById('search-q');
  var results = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var more = document.getElementById('search-more');
  var index = new Index(form.getAttribute('data-index'), function (url) {
    return root.fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(url + ': ' + r.status); }
      return r.json();
    });
  });
  var hits = [];
  var shown = 0;
  var query = 0;
  var timer = null;
  form.hidden = false;

  function say(n) {
    if (n === 0) {
      status.textContent = form.getAttribute('data-none');
    } else if (n === 1) {
      status.textContent = form.getAttribute('data-found-one');
    } else {
      status.textContent = form.getAttribute('data-found').replace('{n}', String(n));
    }
  }

  function show(mine) {
    var page = hits.slice(shown, shown + PAGE);
    return index.releases(page).then(function (rows) {
      if (mine !== query) { return; }
      rows.forEach(function (r) {
        var li = document.createElement('li');
        var h = document.createElement('h2');
        var a = document.createElement('a');
        a.href = r[1];
        a.textContent = r[0];
        h.appendChild(a);
        var meta = document.createElement('p');
        meta.className = 'meta';
        var time = document.createElement('time');
        time.dateTime = r[3];
        time.textContent = r[2];
        meta.appendChild(time);
        li.appendChild(h);
        li.appendChild(meta);
        if (r[4]) {
          var lead = document.createElement('p');
          lead.textContent = r[4];
          li.appendChild(lead);
        }
        results.appendChild(li);
      });
      shown += page.length;
      more.hidden = shown >= hits.length;
    });
  }

  function run() {
    var mine = ++query;
    var q = input.value.trim();
    if (q === '') {
      results.textContent = '';
      status.textContent = '';
      more.hidden = true;
      return;
    }
    index.search(q).then(function (found) {
      if (mine !== query) { return; }
      hits = found;
      shown = 0;
      results.textContent = '';
      say(hits.length);
      return show(mine);
    }).catch(function () {
      if (mine === query) { status.textContent = form.getAttribute('data-failed'); }
    });
  }

  var q = new URLSearchParams(root.location.search).get('q');
  if (q) { input.value = q; run(); }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  more.addEventListener('click', function () { show(query); });
}(this));
