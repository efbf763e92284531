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
  // A section sent while its autosave is still on the way would carry the revision from
  // before that autosave and be refused as "changed on another device". Wait for the
  // autosave's answer (it brings the new revision), then send the section as asked.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute('hx-post') || !form.classList.contains('htmx-request')) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    form.addEventListener('htmx:afterRequest', function () {
      window.setTimeout(function () {
        if (submitter && form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      }, 0);
    }, { once: true });
  }, true);
  // Move focus to the error summary, so it is read first.
  document.addEventListener('DOMContentLoaded', function () {
    var summary = document.getElementById('error-summary');
    if (summary) { summary.focus(); }
  });
})();
