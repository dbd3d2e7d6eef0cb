/* portal.js - makes the portal quicker; every page works without it.
 * Search: filters apply as they change and results swap in place (the
 * same server-rendered HTML, fetched), and the address bar follows so the
 * back button and shared links still work.  Coach page: "Add to
 * shortlist" and "Remove" update the results and the shortlist in place
 * (the same server-rendered page, fetched; the shortlist stays in the
 * address bar), copy buttons for the shortlist link and text, and a print
 * button on the print page. */
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
   * screen there is room to show it open.  Only the search page's
   * (data-wide-open): the coach's "Change answers" stays folded so that its
   * results come first at every width. */
  var change = $('#change[data-wide-open]');
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
  function fixShare() {
    var share = $('#share');
    if (share) share.value = location.origin + share.value.replace(/^https?:\/\/[^/]*/, '');
  }
  fixShare();

  /* Copy buttons (coach page); delegated, so buttons swapped in work too. */
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button.copy') : null;
    if (!b) return;
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

  /* Coach page: add to and remove from the shortlist without a reload.
   * Every link on the page carries the shortlist, so the results and the
   * shortlist panel are swapped for the server's fresh copies; the notes
   * being typed are kept, focus stays on the service, and the change is
   * announced. */
  var screen = $('#screen');
  if (screen && window.fetch && window.DOMParser && history.replaceState) {
    document.addEventListener('click', function (ev) {
      var a = ev.target.closest ? ev.target.closest('a.add, a.rm, .onlist a') : null;
      if (!a || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      var hit = a.closest('li.hit'), item = a.closest('li');
      var added = a.classList.contains('add');
      var nameEl = hit ? $('h4', hit) : item && $('a', item);
      var name = nameEl ? nameEl.textContent : '';
      var url = a.getAttribute('href').replace(/#.*$/, '');
      var notes = $('#notes'), typed = notes ? notes.value : null;
      fetch(url, { headers: { 'Accept': 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          ['#results', '#shortlist'].forEach(function (sel) {
            var fresh = $(sel, doc), old = $(sel);
            if (fresh && old) old.parentNode.replaceChild(document.importNode(fresh, true), old);
          });
          /* The answers form keeps its own state; only its shortlist and
           * "Clear the form" link follow. */
          Array.prototype.forEach.call(screen.querySelectorAll('input[type=hidden][name=s]'), function (i) { i.remove(); });
          var fs = $('#screen', doc);
          if (fs) Array.prototype.forEach.call(fs.querySelectorAll('input[type=hidden][name=s]'), function (i) {
            screen.appendChild(document.importNode(i, true));
          });
          var reset = $('a.reset', screen), fr = fs && $('a.reset', fs);
          if (reset && fr) reset.setAttribute('href', fr.getAttribute('href'));
          if (typed !== null && $('#notes')) $('#notes').value = typed;
          history.replaceState(null, '', url);
          enhance();
          fixShare();
          var again = hit && document.getElementById(hit.id);
          var focus = again ? $('a.add, .onlist a', again) : $('#shortlist');
          if (focus) focus.focus();
          var live = $('#coach-live');
          if (live) live.textContent = (live.getAttribute(added ? 'data-added' : 'data-removed') || '').replace('{1}', name);
        })
        .catch(function () { location.href = a.href; });
    });
  }
  var pr = $('#print-now');
  if (pr) pr.addEventListener('click', function () { window.print(); });
})();
