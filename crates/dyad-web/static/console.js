// The live console, progressively: every control works as a plain form post without this
// script. With it, the console listens to the session's stream; on `changed` it fetches
// the live part (both columns and the timeline) and swaps it in, keeping focus where it
// was, and announces the newest entry. While the stream is down a banner says so and
// every entry form is disabled, so nothing typed is silently lost.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || !window.EventSource || !window.fetch) {
    return;
  }
  var id = root.getAttribute("data-session");
  var banner = document.getElementById("console-offline");
  var announce = document.getElementById("console-announce");
  var online = true;
  var lastSeq = null;

  function live() {
    return document.getElementById("console-live");
  }

  function setForms(enabled) {
    var forms = document.querySelectorAll("form.console-entry");
    for (var i = 0; i < forms.length; i++) {
      var controls = forms[i].querySelectorAll("button, input, select, textarea");
      for (var j = 0; j < controls.length; j++) {
        if (controls[j].type === "hidden") {
          continue;
        }
        controls[j].disabled = !enabled;
      }
    }
  }

  function setOnline(value) {
    if (online === value) {
      return;
    }
    online = value;
    if (banner) {
      banner.hidden = value;
    }
    setForms(value);
    if (value) {
      refresh();
    }
  }

  // Refuse a submit made in the moment between losing the stream and the forms disabling.
  document.addEventListener("submit", function (event) {
    if (!online && event.target.classList.contains("console-entry")) {
      event.preventDefault();
    }
  }, true);

  function refresh() {
    fetch("/sessions/" + encodeURIComponent(id) + "/live", {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#console-live");
      var old = live();
      if (!fresh || !old) {
        return;
      }
      var focused = document.activeElement;
      var focusId = focused && old.contains(focused) ? focused.id : null;
      old.parentNode.replaceChild(fresh, old);
      if (focusId) {
        var again = document.getElementById(focusId);
        if (again) {
          again.focus();
        } else {
          fresh.setAttribute("tabindex", "-1");
          fresh.focus();
        }
      }
      setForms(online);
      var seq = fresh.getAttribute("data-seq");
      if (lastSeq !== null && seq !== lastSeq && announce) {
        announce.textContent = fresh.getAttribute("data-latest") || "";
      }
      lastSeq = seq;
    }).catch(function () {
      setOnline(false);
    });
  }

  var current = live();
  lastSeq = current ? current.getAttribute("data-seq") : null;

  var source = new EventSource("/api/v1/sessions/" + encodeURIComponent(id) + "/stream");
  source.addEventListener("open", function () {
    setOnline(true);
  });
  source.addEventListener("seq", function () {
    setOnline(true);
  });
  source.addEventListener("changed", function () {
    setOnline(true);
    refresh();
  });
  source.addEventListener("error", function () {
    // The browser reconnects by itself; until then, entries are refused.
    setOnline(false);
  });
})();
