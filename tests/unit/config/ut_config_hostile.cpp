// Configurations written to switch a safety check off or to bring the loader
// down: non-finite numbers, paths of the wrong kind, huge files and keys
// nested thousands of levels deep. Each must be refused with file, line,
// column and the fix, quickly, and without crashing.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "config/load.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/config/config_text.hpp"

namespace iotgw::config {
namespace {

using iotgw::test::TempDir;
using test::header;
using test::replace_all;

// A writable Modbus point whose last line, line 14, is the case's own.
std::string point_with(const std::string& line) {
  return std::string(header) +
         "[[bus]]\nname = \"a\"\nprotocol = \"modbus-tcp\"\nhost = \"10.0.0.1\"\n"
         "[[bus.device]]\nname = \"plc\"\n"
         "[[bus.device.point]]\nname = \"sp\"\naddress = 0\n" +
         line + "\n";
}

// A serial bus whose port, on line 8, is the case's own.
std::string serial_bus_on(const std::string& port) {
  return std::string(header) + "[[bus]]\nname = \"a\"\nprotocol = \"modbus-rtu\"\nport = \"" +
         port + "\"\n[[bus.device]]\nname = \"plc\"\n[[bus.device.point]]\nname = \"v\"\n" +
         "address = 0\n";
}

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const Diagnostic& diagnostic : result.diagnostics) {
    lines.push_back(diagnostic.to_string());
  }
  return lines;
}

// A folder with a file, a directory, a named pipe and a pseudo-terminal (a
// symbolic link to it too, as the test rigs name their socat ptys).
class HostileConfigTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = std::make_unique<TempDir>("iotgw-hostile-config");
    ::chmod(folder_->write("file", "placeholder\n").c_str(), 0600);
    std::filesystem::create_directory(dir() + "/folder");
    ::mkfifo((dir() + "/fifo").c_str(), 0600);
    pty_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    ASSERT_GE(pty_, 0);
    ASSERT_EQ(::grantpt(pty_), 0);
    ASSERT_EQ(::unlockpt(pty_), 0);
    pty_name_ = ::ptsname(pty_);
    std::filesystem::create_symlink(pty_name_, dir() + "/ttyV0");
  }

  static void TearDownTestSuite() {
    ::close(pty_);
    folder_.reset();
  }

  static LoadResult load(const std::string& text) {
    return load_string(replace_all(text, "{dir}", dir()), dir() + "/test.toml");
  }

  // The one error the text must produce, "{dir}" standing for the folder.
  static void expect_only_error(const std::string& text, const std::string& expected) {
    const LoadResult result = load(text);
    EXPECT_EQ(messages(result), std::vector<std::string>{replace_all(expected, "{dir}", dir())});
    EXPECT_FALSE(result.config.has_value());
  }

  static std::string file() { return dir() + "/test.toml"; }

  // The folder that "{dir}" stands for.
  static std::string dir() { return folder_->path().string(); }

  static inline std::unique_ptr<TempDir> folder_;
  static inline int pty_ = -1;
  static inline std::string pty_name_;
};

// nan compares false with everything: max = nan let a write of any value
// through, deadband = nan published nothing, scale = nan published nan.
TEST_F(HostileConfigTest, NonFiniteNumberInEveryFloatKeyIsRefused) {
  for (const char* key : {"scale", "offset", "deadband", "min", "max"}) {
    for (const char* value : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}) {
      SCOPED_TRACE(std::string(key) + " = " + value);
      const std::string shown = value[0] == '+' ? value + 1 : value;
      const std::string written = shown == "-nan" ? "nan" : shown;
      const std::string column = std::to_string(std::string(key).size() + 4);
      expect_only_error(point_with("writable = true\n" + std::string(key) + " = " + value),
                        file() + ":15:" + column + ": error: bus[0].device[0].point[0]." + key +
                            ": " + written +
                            " is not a finite number; write a finite number such as 1.5, or "
                            "remove the key");
    }
  }
}

TEST_F(HostileConfigTest, NonFiniteNumberWhereAnIntegerDurationOrSizeBelongs) {
  expect_only_error(std::string(header) + "qos = nan\n",
                    file() +
                        ":5:7: error: mqtt.qos: expected an integer, found the "
                        "floating-point number nan");
  expect_only_error(std::string(header) + "keepalive = inf\n",
                    file() +
                        ":5:13: error: mqtt.keepalive: expected a duration such as \"30s\", "
                        "found the floating-point number inf");
  expect_only_error(std::string(header) + "max_packet_size = -inf\n",
                    file() +
                        ":5:19: error: mqtt.max_packet_size: expected a size such as "
                        "\"256MiB\", found the floating-point number -inf");
  expect_only_error(std::string(header) + "[commands]\nmax_age = \"nans\"\n",
                    file() +
                        ":6:11: error: commands.max_age: \"nans\" is not a duration; write "
                        "a number and a unit (ms, s, m, h, d) such as \"250ms\", \"5s\" or "
                        "\"1h30m\"");
}

TEST_F(HostileConfigTest, MinAboveMaxSaysHowToFixIt) {
  expect_only_error(point_with("writable = true\nmin = 80.5\nmax = 5"),
                    file() +
                        ":16:7: error: bus[0].device[0].point[0].max: 5.0 is below min "
                        "80.5; writes must fit in [min, max], so make max at least min");
}

TEST_F(HostileConfigTest, SerialPortThatIsADirectoryIsRefused) {
  expect_only_error(serial_bus_on("/tmp"),
                    file() +
                        ":8:8: error: bus[0].port: /tmp is a directory, not a serial port "
                        "(a character device); name the port's device, e.g. "
                        "\"/dev/ttyUSB0\", a /dev/serial/by-id/ path or \"usb:VID:PID\"");
}

TEST_F(HostileConfigTest, SerialPortThatIsARegularFileOrPipeIsRefused) {
  for (const char* name : {"file", "fifo"}) {
    const std::string kind = std::string(name) == "file" ? "a regular file" : "a named pipe";
    expect_only_error(serial_bus_on("{dir}/" + std::string(name)),
                      file() + ":8:8: error: bus[0].port: {dir}/" + name + " is " + kind +
                          ", not a serial port (a character device); name the port's device, "
                          "e.g. \"/dev/ttyUSB0\", a /dev/serial/by-id/ path or \"usb:VID:PID\"");
  }
}

TEST_F(HostileConfigTest, SerialPortThatIsAPtyOrALinkToOneOrMissingPasses) {
  for (const std::string& port : {pty_name_, dir() + "/ttyV0", std::string("/dev/ttyNOSUCH9"),
                                  std::string("usb:0403:6001")}) {
    SCOPED_TRACE(port);
    const LoadResult result = load(serial_bus_on(port));
    EXPECT_TRUE(result.config.has_value());
    EXPECT_EQ(messages(result), std::vector<std::string>{});
  }
}

TEST_F(HostileConfigTest, StateDirThatIsAFileIsRefused) {
  expect_only_error(
      "[gateway]\nid = \"gw\"\nstate_dir = \"{dir}/file\"\n[mqtt]\nurl = \"mqtt://h\"\n",
      file() +
          ":3:13: error: gateway.state_dir: {dir}/file is a regular file, not "
          "a directory; name a directory for the store (created when missing), "
          "e.g. \"/var/lib/iotgw\"");
}

TEST_F(HostileConfigTest, StateDirUnderAFileIsRefused) {
  expect_only_error(
      "[gateway]\nid = \"gw\"\nstate_dir = \"file/state/iotgw\"\n[mqtt]\nurl = \"mqtt://h\"\n",
      file() +
          ":3:13: error: gateway.state_dir: {dir}/file/state/iotgw cannot be created: "
          "{dir}/file is a regular file, not a directory; name a directory for the store "
          "(created when missing), e.g. \"/var/lib/iotgw\"");
}

TEST_F(HostileConfigTest, StateDirMissingUnderADirectoryPasses) {
  const LoadResult result =
      load("[gateway]\nid = \"gw\"\nstate_dir = \"new/state\"\n[mqtt]\nurl = \"mqtt://h\"\n");
  EXPECT_TRUE(result.config.has_value());
  EXPECT_EQ(messages(result), std::vector<std::string>{});
}

TEST_F(HostileConfigTest, StorePathUnderAFileIsRefused) {
  expect_only_error(std::string(header) + "[store]\npath = \"{dir}/file/queue.db\"\n",
                    file() +
                        ":6:8: error: store.path: the store {dir}/file/queue.db cannot be "
                        "created: {dir}/file is a regular file, not a directory; set "
                        "store.path (or gateway.state_dir) to a place under a directory");
}

// The store itself deals with what it finds in its place at start; the check
// says what is there and how to fix it, but does not stop the service.
TEST_F(HostileConfigTest, StorePathThatIsADirectoryIsReported) {
  const LoadResult result = load(std::string(header) + "[store]\npath = \"{dir}/folder\"\n");
  EXPECT_TRUE(result.config.has_value());
  EXPECT_EQ(messages(result),
            std::vector<std::string>{replace_all(
                file() + ":6:8: warning: store.path: the store's database {dir}/folder is a "
                         "directory, not a regular file; the store cannot open it: remove or "
                         "rename it, or set store.path to another file name",
                "{dir}", dir())});
}

TEST_F(HostileConfigTest, TlsAndPasswordFilesThatAreDirectoriesAreRefused) {
  struct Case {
    std::string section;
    std::string key;
    std::string fix;
  };
  const std::vector<Case> cases = {
      {"[mqtt.tls]\n", "ca_file",
       "name the CA bundle file (a folder of CA certificates goes in ca_dir)"},
      {"[mqtt.tls]\nkey_file = \"{dir}/file\"\n", "cert_file", "name the client certificate file"},
      {"[mqtt.tls]\ncert_file = \"{dir}/file\"\n", "key_file", "name the client key file"},
      {"", "password_file", "name a file whose first line is the password"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    const std::string prefix = c.section.empty() ? "mqtt." : "mqtt.tls.";
    const int line =
        c.section.empty()
            ? 5
            : 5 + static_cast<int>(std::count(c.section.begin(), c.section.end(), '\n'));
    expect_only_error(std::string(header) + c.section + c.key + " = \"{dir}/folder\"\n",
                      file() + ":" + std::to_string(line) + ":" + std::to_string(c.key.size() + 4) +
                          ": error: " + prefix + c.key +
                          ": {dir}/folder is a directory, not a regular file; " + c.fix);
  }
}

TEST_F(HostileConfigTest, CaDirThatIsAFileIsRefused) {
  expect_only_error(std::string(header) + "[mqtt.tls]\nca_dir = \"{dir}/file\"\n",
                    file() +
                        ":6:10: error: mqtt.tls.ca_dir: {dir}/file is a regular file, not a "
                        "directory; name a folder of CA certificates (a single CA bundle "
                        "file goes in ca_file)");
}

// Reading the first line of a pipe would wait for a writer forever.
TEST_F(HostileConfigTest, PasswordFileThatIsAPipeIsRefusedWithoutReadingIt) {
  expect_only_error(std::string(header) + "password_file = \"{dir}/fifo\"\n",
                    file() +
                        ":5:17: error: mqtt.password_file: {dir}/fifo is a named pipe, not "
                        "a regular file; name a file whose first line is the password");
}

TEST_F(HostileConfigTest, TenMegabyteFileIsRefusedBeforeParsing) {
  const std::string path = dir() + "/huge.toml";
  {
    std::ofstream out(path);
    out << header;
    const std::string comment = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 10 * 1024; ++i) {
      out << comment;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const LoadResult result = load_file(path);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(messages(result), std::vector<std::string>{
                                  path + ":1:1: error: the file is 10 MiB, more than the 4 MiB a "
                                         "configuration may be; is this the right file?"});
  EXPECT_FALSE(result.config.has_value());
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST_F(HostileConfigTest, TextOverTheBoundIsRefusedBeforeParsing) {
  const std::string text = std::string(header) + std::string(5 * 1024 * 1024, '\n');
  expect_only_error(text, file() +
                              ":1:1: error: the file holds more than the 4 MiB a "
                              "configuration may be; is this the right file?");
}

TEST_F(HostileConfigTest, PipeThatNeverEndsIsCutAtTheBound) {
  const LoadResult result = load_file("/dev/zero");
  EXPECT_EQ(messages(result),
            std::vector<std::string>{"/dev/zero:1:1: error: the file holds more than the 4 MiB "
                                     "a configuration may be; is this the right file?"});
}

TEST_F(HostileConfigTest, DirectoryAsTheConfigurationFileIsRefused) {
  const LoadResult result = load_file(dir() + "/folder");
  EXPECT_EQ(messages(result),
            std::vector<std::string>{dir() +
                                     "/folder:1:1: error: this is a directory; name the "
                                     "configuration file, e.g. " +
                                     dir() + "/folder/iotgw.toml"});
}

// The parser frees its tree recursively: a million levels overflowed the stack.
TEST_F(HostileConfigTest, DeeplyDottedKeyIsRefused) {
  std::string key = "a";
  for (int i = 0; i < 1'000'000; ++i) {
    key += ".a";
  }
  // The 257th dot is the 2 * 257th character.
  expect_only_error(std::string(header) + key + " = 1\n",
                    file() +
                        ":5:514: error: more than 256 dots on one line outside strings: "
                        "keys nested this deep are refused; a configuration needs a few "
                        "levels at most");
  expect_only_error(std::string(header) + "[" + key + "]\n",
                    file() +
                        ":5:515: error: more than 256 dots on one line outside strings: "
                        "keys nested this deep are refused; a configuration needs a few "
                        "levels at most");
  expect_only_error(std::string(header) + "x = {" + key + " = 1}\n",
                    file() +
                        ":5:519: error: more than 256 dots on one line outside strings: "
                        "keys nested this deep are refused; a configuration needs a few "
                        "levels at most");
}

TEST_F(HostileConfigTest, DotsInsideStringsAndCommentsDoNotCount) {
  const std::string dots(100'000, '.');
  const LoadResult result = load(std::string(header) + "# " + dots + "\nusername = \"" + dots +
                                 "\"\npassword = '''\n" + dots + "\n'''\n");
  EXPECT_TRUE(result.config.has_value());
  EXPECT_EQ(messages(result), std::vector<std::string>{});
}

TEST_F(HostileConfigTest, DeeplyNestedArraysAndInlineTablesAreRefused) {
  const int depth = 10'000;
  const std::string arrays = "x = " + std::string(depth, '[') + std::string(depth, ']') + "\n";
  std::string tables = "x = ";
  for (int i = 0; i < depth; ++i) {
    tables += "{a=";
  }
  tables += "1" + std::string(depth, '}') + "\n";
  for (const std::string& text : {arrays, tables}) {
    const LoadResult result = load(std::string(header) + text);
    ASSERT_EQ(result.diagnostics.size(), 1U);
    EXPECT_EQ(result.diagnostics[0].line, 5);
    EXPECT_NE(result.diagnostics[0].message.find("exceeded maximum nested value depth of 256"),
              std::string::npos)
        << result.diagnostics[0].message;
    EXPECT_FALSE(result.config.has_value());
  }
}

TEST_F(HostileConfigTest, HundredsOfThousandsOfKeysAreRefusedQuickly) {
  std::string text = header;
  for (int i = 0; i < 300'000; ++i) {
    text += "k" + std::to_string(i) + "=1\n";
  }
  const auto start = std::chrono::steady_clock::now();
  // Header has 2 entries (url, id) and 2 headers; the 100,001st is key k99996 on line 100,001.
  expect_only_error(text, file() +
                              ":100001:7: error: more than 100000 keys and tables: far more "
                              "than any configuration needs; is this the right file?");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace iotgw::config

namespace iotgw::config {
namespace {

// std::regex's compiler overflows a signed integer on a long repetition count
// (found by fuzz_config); such a pattern is refused before it is compiled.
TEST(HostilePattern, LongRepetitionCountIsRefusedBeforeCompiling) {
  const std::string text =
      "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
      "[[bus]]\nname = \"l\"\nprotocol = \"line\"\nport = \"usb:0403:6001\"\n"
      "[[bus.device]]\nname = \"scale\"\npattern = \"(a{6644444444444444444})\"\n"
      "[[bus.device.point]]\nname = \"w\"\n";
  const LoadResult result = load_string(text, "/t.toml");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_NE(result.diagnostics[0].to_string().find(
                "a repetition count has more than 4 digits; use at most {9999}"),
            std::string::npos)
      << result.diagnostics[0].to_string();
  EXPECT_TRUE(load_string("[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
                          "[[bus]]\nname = \"l\"\nprotocol = \"line\"\nport = \"usb:0403:6001\"\n"
                          "[[bus.device]]\nname = \"scale\"\npattern = \"(a{2,9999})\"\n"
                          "[[bus.device.point]]\nname = \"w\"\n",
                          "/t.toml")
                  .config);
}


// std::regex's compiler recurses per character: tens of thousands of '('
// overflowed the stack (found by fuzz_config). Long patterns are refused first.
TEST(HostilePattern, PatternLongerThan1024CharactersIsRefusedBeforeCompiling) {
  const auto config_with = [](const std::string& pattern) {
    return "[gateway]\nid = \"gw\"\n[mqtt]\nurl = \"mqtt://b\"\n"
           "[[bus]]\nname = \"l\"\nprotocol = \"line\"\nport = \"usb:0403:6001\"\n"
           "[[bus.device]]\nname = \"scale\"\npattern = \"" +
           pattern + "\"\n[[bus.device.point]]\nname = \"w\"\n";
  };
  const LoadResult result = load_string(config_with(std::string(40'000, '(')), "/t.toml");
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_NE(result.diagnostics[0].to_string().find(
                "is 40000 characters long; a pattern may have at most 1024"),
            std::string::npos)
      << result.diagnostics[0].to_string();
  EXPECT_TRUE(load_string(config_with("(" + std::string(1022, 'a') + ")"), "/t.toml").config);
}

}  // namespace
}  // namespace iotgw::config
