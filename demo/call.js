// The call page around spec example 10.1 (call-example-10-1.js, verbatim). This file runs
// before the example and supplies what the example leaves to the page: log (its logError
// writes there); selfView and remoteView are the page's two <video> elements (named access on
// the window). It also picks the room: SignalingChannel joins the room named by ?room=, so a
// page opened without one gets a fresh random room in its URL first, and that URL is the one
// to share (as the chat page, chat.js, does).
/* exported log, callUi */
'use strict';

(function chooseRoom() {
  var params = new URLSearchParams(location.search);
  if (params.get('room') || location.hash.length > 1) return;
  var letters = 'abcdefghijkmnpqrstuvwxyz23456789';
  var bytes = crypto.getRandomValues(new Uint8Array(8));
  var room = Array.prototype.map.call(bytes, function (b) { return letters[b % letters.length]; }).join('');
  params.set('room', room);
  history.replaceState(null, '', location.pathname + '?' + params.toString());
})();

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
