// The crisis check-in in place: before a question, answer or comment is posted (or a
// form marked data-checkin-kind, the writer's own edit, is saved), ask
// the server whether its text reads as if the writer may be at risk; if so, show the
// check-in (helplines, "I'm safe, post it", "Go back") in a dialog over the form, so
// nothing typed is lost. Without this script the server shows the same check-in as a
// page. Any failure here falls back to posting the form as usual.
(function () {
  "use strict";
  var script = document.currentScript;
  var precheckUrl = script && script.dataset.precheck;
  var KINDS = [
    [/^\/ask$/, "question"],
    [/^\/posts\/\d+\/answer$/, "answer"],
    [/^\/posts\/\d+\/comment$/, "comment"],
  ];

  function kindOf(form) {
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return "";
    if (form.dataset.checkinKind) return form.dataset.checkinKind;
    var path = new URL(form.action, location.href).pathname;
    for (var i = 0; i < KINDS.length; i++) {
      if (KINDS[i][0].test(path)) return KINDS[i][1];
    }
    return "";
  }

  function postAnyway(form, submitter) {
    form.dataset.checkedIn = "1";
    if (submitter && submitter.form === form) form.requestSubmit(submitter);
    else form.requestSubmit();
  }

  function ask(form, kind, submitter, country) {
    var data = new FormData(form);
    data.set("safety_kind", kind);
    if (country !== undefined) data.set("safety_country", country);
    return fetch(precheckUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "checkin" },
    }).then(function (response) {
      if (response.status === 204) return null;
      if (!response.ok) throw new Error("check-in " + response.status);
      return response.text();
    });
  }

  function showDialog(form, kind, submitter, html) {
    var dialog = document.createElement("dialog");
    dialog.className = "check-in check-in-dialog";
    dialog.setAttribute("aria-labelledby", "check-in-heading");
    dialog.innerHTML = html;
    document.body.appendChild(dialog);

    function close() {
      if (dialog.open) dialog.close();
      dialog.remove();
    }
    function goBack() {
      close();
      var field = form.querySelector("textarea, input[type=text]");
      if (field) field.focus();
    }

    dialog.addEventListener("click", function (event) {
      var button = event.target.closest("[data-checkin]");
      if (!button) return;
      if (button.dataset.checkin === "confirm") {
        var confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "safety_confirmed";
        confirmed.value = "1";
        form.appendChild(confirmed);
        close();
        postAnyway(form, submitter);
      } else {
        goBack();
      }
    });
    // Escape closes the dialog: the same as going back, with the text kept.
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      goBack();
    });
    // The country chooser in the dialog shows that country's helplines in place.
    dialog.addEventListener("submit", function (event) {
      event.preventDefault();
      var select = dialog.querySelector("select[name=safety_country]");
      ask(form, kind, submitter, select ? select.value : "").then(function (fresh) {
        if (fresh) {
          dialog.innerHTML = fresh;
          var chooser = dialog.querySelector("select[name=safety_country]");
          if (chooser) chooser.focus();
        }
      });
    });
    dialog.showModal();
    var first = dialog.querySelector("[data-checkin=confirm]");
    if (first) first.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = kindOf(form);
    var submitter = event.submitter;
    // Another script holding this submit (the anti-spam challenge) submits again later.
    if (event.defaultPrevented) return;
    if (!kind || !precheckUrl || form.dataset.checkedIn === "1") return;
    if (submitter && submitter.name === "check_similar") return;
    event.preventDefault();
    if (form.dataset.checking === "1") return;
    form.dataset.checking = "1";
    ask(form, kind, submitter)
      .then(function (html) {
        delete form.dataset.checking;
        if (html === null) postAnyway(form, submitter);
        else showDialog(form, kind, submitter, html);
      })
      .catch(function () {
        delete form.dataset.checking;
        postAnyway(form, submitter); // the server's own check-in page still applies
      });
  });
})();
