/* pressroom: the search page filters the language's search index as the
   reader types. Without JavaScript the page is a list of archive years. */
(function () {
  'use strict';
  var form = document.getElementById('search-form');
  if (!form || !window.fetch || !window.JSON) { return; }
  var input = document.getElementById('search-q');
  var results = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  var index = null;
  form.hidden = false;

  function run() {
    var q = input.value.trim().toLowerCase();
    results.textContent = '';
    if (!index || q === '') { status.textContent = ''; return; }
    var words = q.split(/\s+/);
    var hits = index.filter(function (r) {
      return words.every(function (w) { return r.s.indexOf(w) !== -1; });
    });
    hits.slice(0, 100).forEach(function (r) {
      var li = document.createElement('li');
      var h = document.createElement('h2');
      var a = document.createElement('a');
      a.href = r.u;
      a.textContent = r.t;
      h.appendChild(a);
      var meta = document.createElement('p');
      meta.className = 'meta';
      var time = document.createElement('time');
      time.dateTime = r.i;
      time.textContent = r.d;
      meta.appendChild(time);
      li.appendChild(h);
      li.appendChild(meta);
      results.appendChild(li);
    });
    if (hits.length === 0) {
      status.textContent = form.getAttribute('data-none');
    } else if (hits.length === 1) {
      status.textContent = form.getAttribute('data-found-one');
    } else {
      status.textContent = form.getAttribute('data-found').replace('{n}', String(hits.length));
    }
  }

  fetch(form.getAttribute('data-index'))
    .then(function (r) { return r.json(); })
    .then(function (data) {
      index = data;
      var q = new URLSearchParams(window.location.search).get('q');
      if (q) { input.value = q; }
      run();
    });
  input.addEventListener('input', run);
  form.addEventListener('submit', function (e) { e.preventDefault(); run(); });
}());
