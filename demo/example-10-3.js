// W3C webrtc-pc, section 10.3 "Peer-to-peer Data Example", copied verbatim from the
// specification (blank lines included). The page supplies enableChat, showChatMessage
// and log (chat.js, loaded before this file) and calls start(true) from a button.
 var signalingChannel = new SignalingChannel();

var configuration = { "iceServers": [{ "url": "stun:stun.example.org" }] };

var pc;

var channel;

// call start(true) to initiate

function start(isInitiator) {

    pc = new RTCPeerConnection(configuration);

    // send any ice candidates to the other peer

    pc.onicecandidate = function (evt) {

        if (evt.candidate)

            signalingChannel.send(JSON.stringify({ "candidate": evt.candidate }));

    };

    // let the "negotiationneeded" event trigger offer generation

    pc.onnegotiationneeded = function () {

        pc.createOffer(localDescCreated, logError);

    }

    if (isInitiator) {

        // create data channel and setup chat

        channel = pc.createDataChannel("chat");

        setupChat();

    } else {

        // setup chat on incoming data channel

        pc.ondatachannel = function (evt) {

            channel = evt.channel;

            setupChat();

        };

    }

}
 function localDescCreated(desc) {

    pc.setLocalDescription(desc, function () {

        signalingChannel.send(JSON.stringify({ "sdp": pc.localDescription }));

    }, logError);

}

signalingChannel.onmessage = function (evt) {

    if (!pc)

        start(false);

    var message = JSON.parse(evt.data);

    if (message.sdp)

        pc.setRemoteDescription(new RTCSessionDescription(message.sdp), function () {

            // if we received an offer, we need to answer

            if (pc.remoteDescription.type == "offer")

                pc.createAnswer(localDescCreated, logError);

        }, logError);

    else

        pc.addIceCandidate(new RTCIceCandidate(message.candidate));

};

function setupChat() {

    channel.onopen = function () {

        // e.g. enable send button

        enableChat(channel);

    };

    channel.onmessage = function (evt) {

        showChatMessage(evt.data);

    };

}
 function sendChatMessage(msg) {

    channel.send(msg);

}

function logError(error) {

    log(error.name + ": " + error.message);

}
