// The call page around spec example 10.1 (call-example-10-1.js, verbatim). This file runs
// before the example and supplies what the example leaves to the page: log (its logError
// writes there); selfView and remoteView are the page's two <video> elements (named access on
// the window). The room comes from room.js, loaded before it.
/* exported log, callUi */
'use strict';

var callUi = (function () {
  function $(id) { return document.getElementById(id); }
  function time() { return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }); }
  function setStatus(state, text) {
    document.body.dataset.call = state;
    $('status-text').textContent = text;
  }
  function addLog(text) {
    var line = document.createElement('li');
    line.textContent = time() + '  ' + text;
    $('log').appendChild(line);
  }
  return { $: $, setStatus: setStatus, addLog: addLog };
})();

// ---- what example 10.1 expects the page to define ----

function log(msg) {
  callUi.addLog(msg);
  callUi.setStatus('error', msg);
}
