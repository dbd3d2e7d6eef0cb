/* hub.js - the /hub dashboard's buttons in place (searchd/pages_hub.c,
 * pages_report.c): "same / not the same" and the review of reported
 * problems send their form with fetch and say what happened beside the
 * button, instead of reloading the page.  Without JavaScript the same
 * forms post and come back to /hub with a notice.  The server answers
 * JSON because the request asks for it (Accept); the session's CSRF token
 * travels in the form as it would without script. */
(function () {
  'use strict';
  function say(form, text, ok) {
    var out = document.createElement('p');
    out.className = ok ? 'done' : 'failed';
    out.setAttribute('role', ok ? 'status' : 'alert');
    out.textContent = text;
    var cell = form.parentNode;
    if (ok) {
      // the row is settled: its buttons go, the result stays
      var forms = cell.querySelectorAll('form[data-inplace]');
      for (var i = 0; i < forms.length; i++) forms[i].hidden = true;
    }
    cell.appendChild(out);
    out.setAttribute('tabindex', '-1');
    out.focus();
  }
  function done(form, body) {
    var action = form.getAttribute('action');
    if (/decisions$/.test(action))
      return 'Saved: ' + (body.decision === 'same' ? 'the same service' : 'not the same service') +
        '. It applies from the indexer\u2019s next run.';
    return body.done === 'handled' ? 'Marked handled.' : 'Correction saved; report handled.';
  }
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute('data-inplace') || !window.fetch) return;
    ev.preventDefault();
    var button = form.querySelector('button');
    if (button) button.disabled = true;
    fetch(form.getAttribute('action'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json',
                 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      if (button) button.disabled = false;
      if (r.ok) say(form, done(form, r.body), true);
      else say(form, 'Not saved: ' + ((r.body && r.body.error && r.body.error.message) ||
                                      'please try again'), false);
    }).catch(function () {
      if (button) button.disabled = false;
      say(form, 'Not saved: the server could not be reached; please try again.', false);
    });
  });
})();
