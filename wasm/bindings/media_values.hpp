// JS values for the media half of PeerConnectionCore: transceivers and audio RTP stats
// (docs/internals/media-contract.md). Kept apart from peer_connection.cpp so that file stays
// about the connection itself.
#pragma once

#include <emscripten/val.h>

#include "core/peer/peer_connection.hpp"

namespace polyrtc::wasm {

// [{transceiverId, mid, kind, direction, currentDirection, stopped, stopping, senderTrackId,
//   streamIds, remoteTrackId, remoteStreamIds, remoteSending, createdByRemote}]
emscripten::val transceivers_value(const peer::PeerConnection& pc);

// Appends RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats, RTCRemoteInboundRtpStreamStats,
// RTCAudioSourceStats and RTCCodecStats for every audio transceiver with a stream.
void append_media_stats(const peer::PeerConnection& pc, double timestamp_ms, emscripten::val& out);

// "sendrecv" ... -> the SDP direction; nullopt for anything else.
std::optional<sdp::Direction> parse_transceiver_direction(const std::string& text);

}  // namespace polyrtc::wasm
