/* portal.js - makes the portal quicker; every page works without it.
 * Search: filters apply as they change and results swap in place (the
 * same server-rendered HTML, fetched), and the address bar follows so the
 * back button and shared links still work.  Coach page: copy buttons for
 * the shortlist link and text, and a print button on the print page. */
(function () {
  'use strict';
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var form = $('#search');
  /* Old browsers without these keep the plain forms (Apply filters, Sort). */
  var canSwap = !!(form && window.fetch && window.URLSearchParams && window.DOMParser &&
    window.AbortController && window.FormData && window.history && history.pushState);
  /* Buttons only needed without the in-place updates go; ones needing
   * JavaScript appear. */
  function enhance() {
    if (canSwap) Array.prototype.forEach.call(document.querySelectorAll('.nojs'), function (b) { b.hidden = true; });
    Array.prototype.forEach.call(document.querySelectorAll('.js-only'), function (b) { b.hidden = false; });
  }
  enhance();
  /* A results page folds the search form into "… change search"; on a wide
   * screen there is room to show it open. */
  var change = $('#change');
  if (change && window.matchMedia && window.matchMedia('(min-width: 64em)').matches) change.open = true;

  /* Search page: apply filters without a reload. */
  var busy = null;
  function swap(url, push) {
    if (busy) busy.abort();
    busy = new AbortController();
    fetch(url, { signal: busy.signal, headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        /* Keep keyboard focus where it was: the checkbox being ticked is
         * replaced by its twin in the fresh filters. */
        var focusId = document.activeElement && document.activeElement.id;
        ['#results', '#filters'].forEach(function (sel) {
          var fresh = $(sel, doc), old = $(sel);
          if (fresh && old) old.parentNode.replaceChild(document.importNode(fresh, true), old);
        });
        document.title = doc.title;
        var live = $('#live'), count = $('#count');
        if (live && count) live.textContent = count.textContent;
        enhance();
        var again = focusId && document.getElementById(focusId);
        if (again && again !== document.activeElement) again.focus();
        if (push) history.pushState(null, '', url);
        else history.replaceState(null, '', url);
        remember();
      })
      .catch(function (e) { if (e && e.name !== 'AbortError') location.href = url; });
  }
  function formUrl() {
    var p = new URLSearchParams(new FormData(form));
    var keep = new URLSearchParams();
    p.forEach(function (v, k) { if (v !== '') keep.append(k, v); });
    var q = keep.toString();
    return '/' + (q ? '?' + q : '');
  }
  if (canSwap) {
    form.addEventListener('change', function (ev) {
      var id = ev.target && ev.target.id;
      if (ev.target && (ev.target.type === 'checkbox' || id === 'sort' || id === 'f-day' ||
          id === 'f-time')) swap(formUrl(), true);
    });
    /* Search as you type, gently: after a pause, and only for 3+ letters. */
    var q = $('#q'), t = null;
    if (q) q.addEventListener('input', function () {
      clearTimeout(t);
      if (q.value.trim().length >= 3 || q.value === '') t = setTimeout(function () { swap(formUrl(), false); }, 400);
    });
    window.addEventListener('popstate', function () { swap(location.href, false); });
    /* A submitted search replaces the page: drop any update still on its way. */
    form.addEventListener('submit', function () { clearTimeout(t); if (busy) busy.abort(); });
  }


  /* "Back to search" returns to the last search in this tab (kept in
   * sessionStorage, which the tab forgets when it closes). */
  function remember() {
    try { if (form) sessionStorage.setItem('signpost.search', location.pathname + location.search); } catch (e) { /* private mode */ }
  }
  remember();
  try {
    var back = $('p.back a'), last = sessionStorage.getItem('signpost.search');
    if (back && last && /^\/(\?|$)/.test(last)) back.setAttribute('href', last);
  } catch (e) { /* no storage */ }

  /* The share link with this page's own origin (https behind a proxy). */
  var share = $('#share');
  if (share) share.value = location.origin + share.value.replace(/^https?:\/\/[^/]*/, '');

  /* Copy buttons (coach page). */
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (b) {
    b.addEventListener('click', function () {
      var src = document.getElementById(b.getAttribute('data-copy'));
      if (!src) return;
      var done = function () {
        var s = b.parentNode.querySelector('.copied') || b;
        if (s !== b) s.textContent = b.getAttribute('data-done') || 'Copied';
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(src.value).then(done, function () { src.select(); });
      } else { src.select(); try { document.execCommand('copy'); done(); } catch (e) { /* select only */ } }
    });
  });
  var pr = $('#print-now');
  if (pr) pr.addEventListener('click', function () { window.print(); });
})();
