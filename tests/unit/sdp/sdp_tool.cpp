// sdp_tool: prints polyrtc's SDP for tests/tools/capture-sdp.mjs (`verify`), which compiles
// it against build/native's libpolyrtc_core.a. Not part of the unit test executable.
//
//   sdp_tool offer    the golden offer (fixed seed), byte for byte tests/data/sdp/polyrtc-offer.sdp
//   sdp_tool answer   reads a remote offer on stdin, prints our answer (exit 1 + reason on error)
#include <iostream>
#include <iterator>
#include <string>

#include "core/sdp/jsep.hpp"
#include "tests/unit/sdp/sdp_fixtures.hpp"

using namespace polyrtc;

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    auto rng = testing::seeded_rng(mode == "offer" ? sdp::testing::kGoldenOfferSeed : "sdp.tool-answer");
    sdp::SessionNegotiator negotiator(sdp::testing::fixed_config(), rng);
    if (mode == "offer") {
        auto offer = negotiator.create_offer(rng);
        if (!offer) return 1;
        std::cout << *offer;
        return 0;
    }
    if (mode == "answer") {
        std::string offer((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        if (auto s = negotiator.set_remote(sdp::SdpType::kOffer, offer); !s) {
            std::cerr << s.error().to_string() << "\n";
            return 1;
        }
        auto answer = negotiator.create_answer(rng);
        if (!answer) {
            std::cerr << answer.error().to_string() << "\n";
            return 1;
        }
        if (auto s = negotiator.set_local(sdp::SdpType::kAnswer, *answer); !s) {
            std::cerr << s.error().to_string() << "\n";
            return 1;
        }
        std::cout << *answer;
        return 0;
    }
    std::cerr << "usage: sdp_tool offer|answer\n";
    return 2;
}
