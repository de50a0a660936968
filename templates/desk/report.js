// The delivery report's live counts: every two seconds, while the release
// is being sent, the counts are read again (the report's own JSON) and put
// in their cells. Without this script the page refreshes itself instead.
(function () {
  'use strict';
  var table = document.querySelector('table[data-live]');
  if (!table) { return; }
  var url = table.getAttribute('data-live');
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
