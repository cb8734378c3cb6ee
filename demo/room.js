// The room part of the demo pages (the chat, index.html, and the call, call.html), loaded
// before the page's own scripts. SignalingChannel joins the room named by ?room= (else the
// #hash), so a page opened without one gets a fresh random room in its URL before the example's
// first line runs, and that URL is the one to share. demoRoom.show($) fills in the room, the
// link with its Copy button, and which WebRTC the page runs.
/* exported demoRoom */
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

var demoRoom = {
  show: function ($, room) {
    var link = location.origin + location.pathname + '?room=' + encodeURIComponent(room);
    $('room').textContent = room;
    $('link').value = link;
    $('native').textContent = typeof polyrtc === 'object' && RTCPeerConnection === polyrtc.RTCPeerConnection
      ? 'polyrtc (WebAssembly)' : 'this browser\'s own';
    $('copy').addEventListener('click', function () {
      $('link').select();
      var done = function () { $('copy').textContent = 'Copied'; setTimeout(function () { $('copy').textContent = 'Copy'; }, 1500); };
      if (navigator.clipboard) navigator.clipboard.writeText(link).then(done, function () { document.execCommand('copy'); done(); });
      else { document.execCommand('copy'); done(); }
    });
  },
};
