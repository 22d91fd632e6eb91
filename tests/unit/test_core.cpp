#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "tsign/error.hpp"
#include "util.hpp"
#include "tsign/io.hpp"
#include "tsign/pin.hpp"

namespace fs = std::filesystem;

namespace {
using tsign::test::TempDir;
size_t count_entries(const fs::path& p) {
    size_t n = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(p)) ++n;
    return n;
}
}  // namespace

TEST_CASE("error codes map to the CLI exit codes") {
    using tsign::Errc;
    using tsign::ExitCode;
    CHECK(tsign::exit_code_for(Errc::usage) == ExitCode::usage);
    CHECK(tsign::exit_code_for(Errc::malformed) == ExitCode::input);
    CHECK(tsign::exit_code_for(Errc::file_not_found) == ExitCode::input);
    CHECK(tsign::exit_code_for(Errc::pin_incorrect) == ExitCode::key);
    CHECK(tsign::exit_code_for(Errc::pin_final_try) == ExitCode::key);
    CHECK(tsign::exit_code_for(Errc::bad_passphrase) == ExitCode::key);
    CHECK(tsign::exit_code_for(Errc::token_not_found) == ExitCode::key);
    CHECK(tsign::exit_code_for(Errc::key_cert_mismatch) == ExitCode::key);
    CHECK(tsign::exit_code_for(Errc::network) == ExitCode::network);
    CHECK(tsign::exit_code_for(Errc::not_valid) == ExitCode::invalid);
    CHECK(tsign::exit_code_for(Errc::internal) == ExitCode::internal);
    tsign::Error e(Errc::pin_locked, "cannot log in: locked", "ask the SO");
    e.add_detail("cause 1").set_pkcs11_rv(0xA4);
    CHECK(e.exit_code() == ExitCode::key);
    CHECK(e.hint() == "ask the SO");
    CHECK(e.details().size() == 1);
    CHECK(*e.pkcs11_rv() == 0xA4);
    CHECK(std::string(tsign::errc_name(Errc::pin_locked)) == "pin_locked");
}

TEST_CASE("atomic output: create, refuse overwrite, force, modes, no leftovers") {
    TempDir d;
    const std::string f = (d.path / "out.bin").string();
    tsign::write_file_atomic(f, std::string("first"));
    CHECK(tsign::read_file(f) == tsign::Bytes{'f', 'i', 'r', 's', 't'});
    try {
        tsign::write_file_atomic(f, std::string("second"));
        FAIL("overwrote without force");
    } catch (const tsign::Error& e) {
        CHECK(e.code() == tsign::Errc::output_exists);
    }
    CHECK(tsign::read_file(f).size() == 5);
    tsign::write_file_atomic(f, std::string("second"), {.force = true});
    CHECK(tsign::read_file(f).size() == 6);
    CHECK(count_entries(d.path) == 1);

    const std::string k = (d.path / "key.der").string();
    tsign::write_file_atomic(k, std::string("secret"), {.force = false, .mode = 0600});
    struct stat st {};
    REQUIRE(stat(k.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    // a device with --force is written into, never replaced by a regular file (/dev/null stays a device)
    tsign::write_file_atomic("/dev/null", std::string("into the device"), {.force = true});
    struct stat dn {};
    REQUIRE(stat("/dev/null", &dn) == 0);
    CHECK(S_ISCHR(dn.st_mode));

    // a folder that does not exist: an error, and nothing anywhere
    CHECK_THROWS_AS(tsign::write_file_atomic((d.path / "no" / "x").string(), std::string("x")), tsign::Error);
    CHECK(count_entries(d.path) == 2);
}

TEST_CASE("read_file errors") {
    try {
        tsign::read_file("/nonexistent/file");
        FAIL("no error");
    } catch (const tsign::Error& e) {
        CHECK(e.code() == tsign::Errc::file_not_found);
        CHECK(e.exit_code() == tsign::ExitCode::input);
    }
    CHECK_THROWS_AS(tsign::read_file("/tmp"), tsign::Error);
}

TEST_CASE("PIN sources") {
    using tsign::PinSource;
    CHECK_THROWS_AS(PinSource::parse("123456"), tsign::Error);
    CHECK_THROWS_AS(PinSource::parse("pass:123456"), tsign::Error);
    CHECK_THROWS_AS(PinSource::parse("fd:x"), tsign::Error);
    CHECK_THROWS_AS(PinSource::parse("env:"), tsign::Error);

    setenv("TSIGN_UNIT_PIN", "1234", 1);
    CHECK(std::string(PinSource::parse("env:TSIGN_UNIT_PIN").read({"PIN"}).c_str()) == "1234");
    unsetenv("TSIGN_UNIT_PIN");
    CHECK_THROWS_AS(PinSource::parse("env:TSIGN_UNIT_PIN").read({"PIN"}), tsign::Error);

    TempDir d;
    const auto f = d.path / "pin";
    std::ofstream(f) << "9876\n";
    CHECK(std::string(PinSource::parse("file:" + f.string()).read({"PIN"}).c_str()) == "9876");
    std::ofstream(f) << "5555\r\n";
    CHECK(std::string(PinSource::parse("file:" + f.string()).read({"PIN"}).c_str()) == "5555");
    CHECK_THROWS_AS(PinSource::parse("file:/nonexistent").read({"PIN"}), tsign::Error);

    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "4321\n", 5) == 5);
    close(fds[1]);
    CHECK(std::string(PinSource::parse("fd:" + std::to_string(fds[0])).read({"PIN"}).c_str()) == "4321");
    close(fds[0]);

    auto cb = PinSource::from_callback([](const tsign::PinRequest& r) { return tsign::Secret(r.prompt == "PIN" ? "cb" : "?"); });
    CHECK(std::string(cb.read({"PIN"}).c_str()) == "cb");

    tsign::Secret s("abc");
    tsign::Secret t(std::move(s));
    CHECK(s.empty());  // NOLINT(bugprone-use-after-move): a moved-from Secret is empty, by contract
    CHECK(std::string(t.c_str()) == "abc");
}
