// The unit test runner. Colours are off because under Wasm stdout always looks like a
// terminal, and ctest's test discovery parses the plain listing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
    doctest::Context context;
    context.setOption("no-colors", true);
    context.applyCommandLine(argc, argv);
    return context.run();
}
