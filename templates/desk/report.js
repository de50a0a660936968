// The delivery report's live counts: every two seconds, while the release
// is being sent, the counts are read again (the report's own JSON) and put
// in their cells; before anything is planned, the page is loaded again once
// there is. Without this script the page refreshes itself instead.
(function () {
  'use strict';
  var live = document.querySelector('[data-live]');
  if (!live) { return; }
  var url = live.getAttribute('data-live');
  // Nothing planned yet ("send now" waits for serve): the page is loaded
  // again as soon as there are counts to show.
  if (live.tagName !== 'TABLE') {
    var wait = function () {
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (data.rows.length > 0 || !data.live) { window.location.reload(); } else { window.setTimeout(wait, 2000); }
        })
        .catch(function () { window.setTimeout(wait, 5000); });
    };
    window.setTimeout(wait, 1000);
    return;
  }
  var table = live;
  function put(row, counts) {
    var tr = table.querySelector('tr[data-row="' + row.replace(/"/g, '') + '"]');
    if (!tr) { return false; }
    Object.keys(counts).forEach(function (k) {
      var td = tr.querySelector('td[data-k="' + k + '"]');
      if (td && typeof counts[k] === 'number') { td.textContent = String(counts[k]); }
    });
    return true;
  }
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var known = true;
        data.rows.forEach(function (r) { known = put(r.list + '|' + r.lang, r) && known; });
        put('total', data.total);
        if (!known) { window.location.reload(); return; }
        if (data.live) { window.setTimeout(tick, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 2000);
}());
