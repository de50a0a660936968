// The desk's live preview: as the text in the editor changes, the preview
// beside it is updated (the form is sent to the preview address, into the
// preview's frame; nothing is saved). Without this script the "Update the
// preview" button does the same. Chosen files are not sent with it.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var button = document.getElementById("preview-button");
  if (!form || !button || typeof form.requestSubmit !== "function") {
    return;
  }
  var timer = null;
  function update() {
    timer = null;
    var files = form.querySelectorAll("input[type=file]");
    var was = [];
    files.forEach(function (f) {
      was.push(f.disabled);
      f.disabled = true;
    });
    form.requestSubmit(button);
    files.forEach(function (f, i) {
      f.disabled = was[i];
    });
  }
  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "file") {
      return;
    }
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(update, 1000);
  });
})();
