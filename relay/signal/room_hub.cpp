#include "relay/signal/room_hub.hpp"

#include <algorithm>

namespace polyrtc::relay::signal {

const char* to_string(JoinError error) {
    switch (error) {
        case JoinError::kInvalidRoomName: return "invalid room name";
        case JoinError::kRoomFull: return "room full";
        case JoinError::kTooManyRooms: return "too many rooms";
        case JoinError::kAlreadyJoined: return "already in a room";
    }
    return "unknown join error";
}

bool is_valid_room_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '~' || c == '-';
    });
}

std::optional<std::string> room_from_target(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) return std::nullopt;
    std::string_view query = target.substr(question + 1);
    const auto hash = query.find('#');
    if (hash != std::string_view::npos) query = query.substr(0, hash);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.rfind("room=", 0) == 0) return std::string(pair.substr(5));
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return std::nullopt;
}

Status<JoinError> RoomHub::join(ConnectionId connection, std::string_view room) {
    if (!is_valid_room_name(room)) return unexpected(JoinError::kInvalidRoomName);
    if (room_of_.count(connection) != 0) return unexpected(JoinError::kAlreadyJoined);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
        if (rooms_.size() >= limits_.max_rooms) return unexpected(JoinError::kTooManyRooms);
        it = rooms_.emplace(std::string(room), std::vector<ConnectionId>{}).first;
    } else if (it->second.size() >= limits_.max_room_size) {
        return unexpected(JoinError::kRoomFull);
    }
    it->second.push_back(connection);
    room_of_.emplace(connection, std::string(room));
    return {};
}

void RoomHub::leave(ConnectionId connection) {
    auto member = room_of_.find(connection);
    if (member == room_of_.end()) return;
    auto room = rooms_.find(member->second);
    if (room != rooms_.end()) {
        auto& members = room->second;
        members.erase(std::remove(members.begin(), members.end(), connection), members.end());
        if (members.empty()) rooms_.erase(room);
    }
    room_of_.erase(member);
}

std::vector<ConnectionId> RoomHub::recipients(ConnectionId sender) const {
    std::vector<ConnectionId> out;
    auto member = room_of_.find(sender);
    if (member == room_of_.end()) return out;
    auto room = rooms_.find(member->second);
    if (room == rooms_.end()) return out;
    for (ConnectionId id : room->second) {
        if (id != sender) out.push_back(id);
    }
    return out;
}

}  // namespace polyrtc::relay::signal
