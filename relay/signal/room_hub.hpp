// Signaling rooms: /signal?room=NAME relays each text message verbatim to the other members
// of the room. There are no join/leave notices and no envelope: a member sees exactly the
// messages the other members sent, so the spec examples' SignalingChannel sees only peers'
// messages. (docs/relay.md records this decision.)
//
// RoomHub is the bookkeeping only (no sockets): the glue calls join() when a WebSocket opens,
// leave() when it closes, and recipients() for each message, then sends.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace polyrtc::relay::signal {

using ConnectionId = uint64_t;

enum class JoinError {
    kInvalidRoomName,  // see is_valid_room_name
    kRoomFull,         // the room already has max_room_size members
    kTooManyRooms,     // max_rooms rooms exist and this would be a new one
    kAlreadyJoined,    // this connection is already in a room (glue bug)
};
const char* to_string(JoinError error);

// 1..64 characters from [A-Za-z0-9._~-] (URL-unreserved, so no decoding is ever needed).
bool is_valid_room_name(std::string_view name);

// The room name in a /signal request target ("/signal?room=abc&x=y" -> "abc"); nullopt when
// there is no room parameter. Not validated.
std::optional<std::string> room_from_target(std::string_view target);

struct RoomLimits {
    size_t max_room_size = 16;
    size_t max_rooms = 10000;
};

class RoomHub {
public:
    explicit RoomHub(RoomLimits limits) : limits_(limits) {}

    Status<JoinError> join(ConnectionId connection, std::string_view room);
    // No-op for a connection that is in no room.
    void leave(ConnectionId connection);
    // The other members of `sender`'s room, in join order; empty if it is in no room.
    std::vector<ConnectionId> recipients(ConnectionId sender) const;

    size_t room_count() const { return rooms_.size(); }
    size_t member_count() const { return room_of_.size(); }

private:
    RoomLimits limits_;
    // Members in join order (the ids increase with connection order).
    std::map<std::string, std::vector<ConnectionId>, std::less<>> rooms_;
    std::map<ConnectionId, std::string> room_of_;
};

}  // namespace polyrtc::relay::signal
