// Intake pages, progressive enhancement only: everything works without this file.
(function () {
  'use strict';
  // Quick exit: go to the neutral page and replace this history entry, so that Back does
  // not lead here again. Without script the link still leaves.
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-quick-exit]');
    if (!link) { return; }
    event.preventDefault();
    window.location.replace(link.href);
  });
  // Move focus to the error summary, so it is read first.
  document.addEventListener('DOMContentLoaded', function () {
    var summary = document.getElementById('error-summary');
    if (summary) { summary.focus(); }
  });
})();
