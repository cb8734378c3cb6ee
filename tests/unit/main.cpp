// The unit test runner.
//
// Colours are off because under Wasm stdout always looks like a terminal, and ctest's test
// discovery parses the plain listing. A run that selects no test case fails: a test name that
// ctest's discovery mangled (a ';' in it, say) must not pass by running nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>

#include <doctest/doctest.h>

namespace {

int g_test_cases_started = 0;

struct CountingListener : doctest::IReporter {
    explicit CountingListener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { ++g_test_cases_started; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("counting", 1, CountingListener);

}  // namespace

int main(int argc, char** argv) {
    doctest::Context context;
    context.setOption("no-colors", true);
    context.applyCommandLine(argc, argv);
    int status = context.run();
    if (context.shouldExit()) return status;  // --list-test-cases, --help, ...
    if (status == 0 && g_test_cases_started == 0) {
        std::fprintf(stderr, "no test case matched the filters: the test name is probably mangled\n");
        return 1;
    }
    return status;
}
