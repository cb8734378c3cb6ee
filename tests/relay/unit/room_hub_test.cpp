#include "relay/signal/room_hub.hpp"

#include <doctest/doctest.h>

namespace polyrtc::relay::signal {

TEST_CASE("relay.signal: room names") {
    CHECK(is_valid_room_name("demo"));
    CHECK(is_valid_room_name("a-b_c.d~9"));
    CHECK(is_valid_room_name(std::string(64, 'x')));
    CHECK_FALSE(is_valid_room_name(""));
    CHECK_FALSE(is_valid_room_name(std::string(65, 'x')));
    CHECK_FALSE(is_valid_room_name("a b"));
    CHECK_FALSE(is_valid_room_name("a/b"));
    CHECK_FALSE(is_valid_room_name("%41"));
}

TEST_CASE("relay.signal: room parameter from the request target") {
    CHECK(room_from_target("/signal?room=abc") == std::optional<std::string>("abc"));
    CHECK(room_from_target("/signal?x=1&room=abc&y=2") == std::optional<std::string>("abc"));
    CHECK(room_from_target("/signal?room=") == std::optional<std::string>(""));
    CHECK(room_from_target("/signal?room=a#frag") == std::optional<std::string>("a"));
    CHECK_FALSE(room_from_target("/signal"));
    CHECK_FALSE(room_from_target("/signal?rooms=abc"));
}

TEST_CASE("relay.signal: members receive each other's messages, rooms are isolated") {
    RoomHub hub(RoomLimits{});
    REQUIRE(hub.join(1, "a").ok());
    REQUIRE(hub.join(2, "a").ok());
    REQUIRE(hub.join(3, "a").ok());
    REQUIRE(hub.join(4, "b").ok());
    CHECK(hub.recipients(1) == std::vector<ConnectionId>{2, 3});
    CHECK(hub.recipients(2) == std::vector<ConnectionId>{1, 3});
    CHECK(hub.recipients(4).empty());
    CHECK(hub.recipients(99).empty());
    CHECK(hub.room_count() == 2);
    hub.leave(2);
    CHECK(hub.recipients(1) == std::vector<ConnectionId>{3});
    hub.leave(4);
    CHECK(hub.room_count() == 1);
    hub.leave(4);  // twice is harmless
    CHECK(hub.member_count() == 2);
}

TEST_CASE("relay.signal: join refusals") {
    RoomHub hub(RoomLimits{2, 2});
    CHECK(hub.join(1, "bad name").error() == JoinError::kInvalidRoomName);
    REQUIRE(hub.join(1, "a").ok());
    CHECK(hub.join(1, "b").error() == JoinError::kAlreadyJoined);
    REQUIRE(hub.join(2, "a").ok());
    CHECK(hub.join(3, "a").error() == JoinError::kRoomFull);
    REQUIRE(hub.join(3, "b").ok());
    CHECK(hub.join(4, "c").error() == JoinError::kTooManyRooms);
    hub.leave(1);
    CHECK(hub.join(4, "a").ok());  // a seat freed up
}

}  // namespace polyrtc::relay::signal
