// Request encoding and response decoding for every function code, against the
// examples of the Modbus Application Protocol Specification v1.1b3 (section 6),
// written out by hand with one comment per field.
#include <cstdint>
#include <vector>

#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>

#include "drivers/modbus/pdu/request.hpp"
#include "tests/unit/drivers/modbus/support.hpp"

namespace iotgw::drivers::modbus::pdu {
namespace {

using test::hex;

Bytes encoded(const Request& request) {
  auto result = encode_request(request);
  EXPECT_TRUE(result.has_value()) << (result.has_value() ? "" : result.error().message());
  return result.has_value() ? result.value() : Bytes{};
}

Errc encode_error(const Request& request) {
  auto result = encode_request(request);
  EXPECT_FALSE(result.has_value())
      << "encoded as " << (result.has_value() ? hex(result.value()) : "");
  return result.has_value() ? Errc::busy : result.error().code;
}

Error decode_error(const Request& request, const Bytes& pdu) {
  auto result = decode_response(request, pdu);
  EXPECT_FALSE(result.has_value()) << "decoded " << hex(pdu);
  return result.has_value() ? Error{} : result.error();
}

std::vector<bool> bits(std::initializer_list<int> values) {
  std::vector<bool> out;
  for (const int v : values) {
    out.push_back(v != 0);
  }
  return out;
}

// --- requests: the spec example of every function (6.1 to 6.12) ------------

struct SpecRequest {
  const char* example;
  Request request;
  Bytes expected;
};

TEST(ModbusPduRequests, EncodeSpecExamples) {
  const SpecRequest examples[] = {
      {"6.1 read coils 20..38",
       ReadCoils{19, 19},
       {
           0x01,        // function: read coils
           0x00, 0x13,  // starting address 19 (coil 20)
           0x00, 0x13,  // quantity 19
       }},
      {"6.2 read discrete inputs 197..218",
       ReadDiscreteInputs{196, 22},
       {
           0x02,        // function: read discrete inputs
           0x00, 0xC4,  // starting address 196 (input 197)
           0x00, 0x16,  // quantity 22
       }},
      {"6.3 read holding registers 108..110",
       ReadHoldingRegisters{107, 3},
       {
           0x03,        // function: read holding registers
           0x00, 0x6B,  // starting address 107 (register 108)
           0x00, 0x03,  // quantity 3
       }},
      {"6.4 read input register 9",
       ReadInputRegisters{8, 1},
       {
           0x04,        // function: read input registers
           0x00, 0x08,  // starting address 8 (register 9)
           0x00, 0x01,  // quantity 1
       }},
      {"6.5 write single coil 173 ON",
       WriteSingleCoil{172, true},
       {
           0x05,        // function: write single coil
           0x00, 0xAC,  // output address 172 (coil 173)
           0xFF, 0x00,  // ON
       }},
      {"6.5 write single coil 173 OFF",
       WriteSingleCoil{172, false},
       {
           0x05,        // function: write single coil
           0x00, 0xAC,  // output address 172
           0x00, 0x00,  // OFF
       }},
      {"6.6 write single register 2",
       WriteSingleRegister{1, 3},
       {
           0x06,        // function: write single register
           0x00, 0x01,  // register address 1 (register 2)
           0x00, 0x03,  // value 3
       }},
      {"6.16 mask write register 4: AND 0xF2, OR 0x25",
       MaskWriteRegister{4, 0x00F2, 0x0025},
       {
           0x16,        // function: mask write register
           0x00, 0x04,  // reference address 4
           0x00, 0xF2,  // AND mask
           0x00, 0x25,  // OR mask
       }},
      {"6.11 write multiple coils 20..29",
       WriteMultipleCoils{19, bits({1, 0, 1, 1, 0, 0, 1, 1, 1, 0})},
       {
           0x0F,        // function: write multiple coils
           0x00, 0x13,  // starting address 19 (coil 20)
           0x00, 0x0A,  // quantity 10
           0x02,        // byte count
           0xCD,        // coils 27..20: 1100 1101
           0x01,        // coils 29..28: 01, padded with zeros
       }},
      {"6.12 write multiple registers 2..3",
       WriteMultipleRegisters{1, {0x000A, 0x0102}},
       {
           0x10,        // function: write multiple registers
           0x00, 0x01,  // starting address 1 (register 2)
           0x00, 0x02,  // quantity 2
           0x04,        // byte count
           0x00, 0x0A,  // register 2: 10
           0x01, 0x02,  // register 3: 258
       }},
  };
  for (const SpecRequest& example : examples) {
    SCOPED_TRACE(example.example);
    EXPECT_EQ(encoded(example.request), example.expected);
  }
}

// --- 0x01 read coils (6.1): coils 20..38 -----------------------------------

TEST(ModbusPduReadCoils, DecodesSpecExample) {
  const Bytes response{
      0x01,  // function: read coils
      0x03,  // byte count: 3 bytes for 19 coils
      0xCD,  // coils 27..20: 1100 1101
      0x6B,  // coils 35..28: 0110 1011
      0x05,  // coils 38..36: 101, high bits padded with zeros
  };
  auto result = decode_response(ReadCoils{19, 19}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  const auto expected = bits({1, 0, 1, 1, 0, 0, 1, 1,  // 0xCD, LSB first
                              1, 1, 0, 1, 0, 1, 1, 0,  // 0x6B
                              1, 0, 1});               // 0x05
  EXPECT_EQ(result.value(), BitsRead{expected});
}

TEST(ModbusPduReadCoils, ByteCountMustMatchQuantity) {
  const Bytes response{
      0x01,        // function: read coils
      0x02,        // byte count 2, but 19 coils need 3
      0xCD, 0x6B,  // data
  };
  EXPECT_EQ(decode_error(ReadCoils{19, 19}, response).code, Errc::byte_count_mismatch);
}

TEST(ModbusPduReadCoils, QuantityLimits) {
  EXPECT_EQ(encode_error(ReadCoils{0, 0}), Errc::invalid_request);
  EXPECT_EQ(encode_error(ReadCoils{0, 2001}), Errc::invalid_request);
  const Bytes max{
      0x01,        // function: read coils
      0x00, 0x00,  // address 0
      0x07, 0xD0,  // quantity 2000
  };
  EXPECT_EQ(encoded(ReadCoils{0, 2000}), max);
}

// --- 0x02 read discrete inputs (6.2): inputs 197..218 ----------------------

TEST(ModbusPduReadDiscreteInputs, DecodesSpecExample) {
  const Bytes response{
      0x02,  // function: read discrete inputs
      0x03,  // byte count
      0xAC,  // inputs 204..197: 1010 1100
      0xDB,  // inputs 212..205: 1101 1011
      0x35,  // inputs 218..213: 11 0101
  };
  auto result = decode_response(ReadDiscreteInputs{196, 22}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  const auto expected = bits({0, 0, 1, 1, 0, 1, 0, 1,  // 0xAC, LSB first
                              1, 1, 0, 1, 1, 0, 1, 1,  // 0xDB
                              1, 0, 1, 0, 1, 1});      // 0x35
  EXPECT_EQ(result.value(), BitsRead{expected});
}

TEST(ModbusPduReadDiscreteInputs, RejectsAnotherFunctionsAnswer) {
  const Bytes response{
      0x01,  // function: read coils, but we asked for discrete inputs
      0x01,  // byte count
      0x00,  // data
  };
  EXPECT_EQ(decode_error(ReadDiscreteInputs{0, 8}, response).code, Errc::function_mismatch);
}

// --- 0x03 read holding registers (6.3): registers 108..110 -----------------

TEST(ModbusPduReadHoldingRegisters, DecodesSpecExample) {
  const Bytes response{
      0x03,        // function: read holding registers
      0x06,        // byte count: 3 registers
      0x02, 0x2B,  // register 108: 555
      0x00, 0x00,  // register 109: 0
      0x00, 0x64,  // register 110: 100
  };
  auto result = decode_response(ReadHoldingRegisters{107, 3}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (RegistersRead{{555, 0, 100}}));
}

TEST(ModbusPduReadHoldingRegisters, QuantityAndAddressLimits) {
  EXPECT_EQ(encode_error(ReadHoldingRegisters{0, 0}), Errc::invalid_request);
  EXPECT_EQ(encode_error(ReadHoldingRegisters{0, 126}), Errc::invalid_request);
  EXPECT_EQ(encode_error(ReadHoldingRegisters{0xFFFF, 2}), Errc::invalid_request);
  const Bytes last{
      0x03,        // function: read holding registers
      0xFF, 0xFF,  // address 65535
      0x00, 0x01,  // quantity 1
  };
  EXPECT_EQ(encoded(ReadHoldingRegisters{0xFFFF, 1}), last);
  const Bytes max{
      0x03,        // function: read holding registers
      0x00, 0x00,  // address 0
      0x00, 0x7D,  // quantity 125
  };
  EXPECT_EQ(encoded(ReadHoldingRegisters{0, 125}), max);
}

TEST(ModbusPduReadHoldingRegisters, ByteCountMismatch) {
  const Bytes response{
      0x03,        // function: read holding registers
      0x04,        // byte count 4: two registers, but three were asked for
      0x02, 0x2B,  // data
      0x00, 0x00,  // data
  };
  EXPECT_EQ(decode_error(ReadHoldingRegisters{107, 3}, response).code, Errc::byte_count_mismatch);
}

TEST(ModbusPduReadHoldingRegisters, DataShorterThanByteCount) {
  const Bytes response{
      0x03,        // function: read holding registers
      0x06,        // byte count 6
      0x02, 0x2B,  // only one register follows
  };
  EXPECT_EQ(decode_error(ReadHoldingRegisters{107, 3}, response).code, Errc::malformed_response);
}

TEST(ModbusPduReadHoldingRegisters, FunctionByteAlone) {
  const Bytes response{
      0x03,  // function, nothing else
  };
  EXPECT_EQ(decode_error(ReadHoldingRegisters{107, 3}, response).code, Errc::byte_count_mismatch);
  EXPECT_EQ(decode_error(ReadHoldingRegisters{107, 3}, Bytes{}).code, Errc::malformed_response);
}

// --- 0x04 read input registers (6.4): register 9 ---------------------------

TEST(ModbusPduReadInputRegisters, DecodesSpecExample) {
  const Bytes response{
      0x04,        // function: read input registers
      0x02,        // byte count
      0x00, 0x0A,  // register 9: 10
  };
  auto result = decode_response(ReadInputRegisters{8, 1}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), RegistersRead{{10}});
}

TEST(ModbusPduReadInputRegisters, HoldingAnswerIsAMismatch) {
  const Bytes response{
      0x03,        // function: read holding registers, but we asked for input registers
      0x02,        // byte count
      0x00, 0x0A,  // data
  };
  EXPECT_EQ(decode_error(ReadInputRegisters{8, 1}, response).code, Errc::function_mismatch);
}

// --- 0x05 write single coil (6.5): coil 173 ON -----------------------------

TEST(ModbusPduWriteSingleCoil, DecodesEcho) {
  const Bytes response{
      0x05,        // function: write single coil
      0x00, 0xAC,  // output address 172
      0xFF, 0x00,  // ON
  };
  auto result = decode_response(WriteSingleCoil{172, true}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (WriteConfirmed{172, 1}));
}

TEST(ModbusPduWriteSingleCoil, EchoWithOtherValueIsRejected) {
  const Bytes response{
      0x05,        // function: write single coil
      0x00, 0xAC,  // output address 172
      0x00, 0x00,  // OFF, but we wrote ON
  };
  EXPECT_EQ(decode_error(WriteSingleCoil{172, true}, response).code, Errc::echo_mismatch);
}

TEST(ModbusPduWriteSingleCoil, ShortEchoIsMalformed) {
  const Bytes response{
      0x05,        // function: write single coil
      0x00, 0xAC,  // output address, value missing
  };
  EXPECT_EQ(decode_error(WriteSingleCoil{172, true}, response).code, Errc::malformed_response);
}

// --- 0x06 write single register (6.6): register 2 = 3 ----------------------

TEST(ModbusPduWriteSingleRegister, DecodesEcho) {
  const Bytes response{
      0x06,        // function: write single register
      0x00, 0x01,  // register address 1
      0x00, 0x03,  // value 3
  };
  auto result = decode_response(WriteSingleRegister{1, 3}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (WriteConfirmed{1, 1}));
}

TEST(ModbusPduWriteSingleRegister, EchoWithOtherAddressIsRejected) {
  const Bytes response{
      0x06,        // function: write single register
      0x00, 0x02,  // register address 2, but we wrote 1
      0x00, 0x03,  // value 3
  };
  EXPECT_EQ(decode_error(WriteSingleRegister{1, 3}, response).code, Errc::echo_mismatch);
}

// --- 0x16 mask write register (6.16) ---------------------------------------

TEST(ModbusPduMaskWriteRegister, DecodesEcho) {
  const Bytes response{
      0x16,        // function: mask write register
      0x00, 0x04,  // reference address 4
      0x00, 0xF2,  // AND mask
      0x00, 0x25,  // OR mask
  };
  auto result = decode_response(MaskWriteRegister{4, 0x00F2, 0x0025}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (WriteConfirmed{4, 1}));
}

TEST(ModbusPduMaskWriteRegister, AnEchoOfOtherMasksOrTooShortIsRefused) {
  const Bytes other{0x16, 0x00, 0x04, 0x00, 0xF2, 0x00, 0x24};
  EXPECT_EQ(decode_error(MaskWriteRegister{4, 0x00F2, 0x0025}, other).code, Errc::echo_mismatch);
  const Bytes short_echo{0x16, 0x00, 0x04, 0x00, 0xF2};
  EXPECT_EQ(decode_error(MaskWriteRegister{4, 0x00F2, 0x0025}, short_echo).code,
            Errc::malformed_response);
}

TEST(ModbusPduMaskWriteRegister, SetBitMasksOneBit) {
  EXPECT_EQ(set_bit(20, 0, true), (MaskWriteRegister{20, 0xFFFE, 0x0001}));
  EXPECT_EQ(set_bit(20, 15, false), (MaskWriteRegister{20, 0x7FFF, 0x0000}));
}

// --- 0x0F write multiple coils (6.11): coils 20..29 ------------------------

TEST(ModbusPduWriteMultipleCoils, DecodesEcho) {
  const Bytes response{
      0x0F,        // function: write multiple coils
      0x00, 0x13,  // starting address 19
      0x00, 0x0A,  // quantity 10
  };
  auto result =
      decode_response(WriteMultipleCoils{19, bits({1, 0, 1, 1, 0, 0, 1, 1, 1, 0})}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (WriteConfirmed{19, 10}));
}

TEST(ModbusPduWriteMultipleCoils, EchoWithOtherQuantityIsRejected) {
  const Bytes response{
      0x0F,        // function: write multiple coils
      0x00, 0x13,  // starting address 19
      0x00, 0x08,  // quantity 8, but we wrote 10
  };
  EXPECT_EQ(
      decode_error(WriteMultipleCoils{19, bits({1, 0, 1, 1, 0, 0, 1, 1, 1, 0})}, response).code,
      Errc::echo_mismatch);
}

TEST(ModbusPduWriteMultipleCoils, QuantityLimits) {
  EXPECT_EQ(encode_error(WriteMultipleCoils{0, {}}), Errc::invalid_request);
  EXPECT_EQ(encode_error(WriteMultipleCoils{0, std::vector<bool>(1969, true)}),
            Errc::invalid_request);
  const Bytes max = encoded(WriteMultipleCoils{0, std::vector<bool>(1968, true)});
  ASSERT_EQ(max.size(), 6U + 246U);
  EXPECT_EQ(max[3], 0x07);  // quantity 1968 = 0x07B0
  EXPECT_EQ(max[4], 0xB0);
  EXPECT_EQ(max[5], 0xF6);  // byte count 246
}

// --- 0x10 write multiple registers (6.12): registers 2..3 ------------------

TEST(ModbusPduWriteMultipleRegisters, DecodesEcho) {
  const Bytes response{
      0x10,        // function: write multiple registers
      0x00, 0x01,  // starting address 1
      0x00, 0x02,  // quantity 2
  };
  auto result = decode_response(WriteMultipleRegisters{1, {0x000A, 0x0102}}, response);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_EQ(result.value(), (WriteConfirmed{1, 2}));
}

TEST(ModbusPduWriteMultipleRegisters, EchoWithOtherAddressIsRejected) {
  const Bytes response{
      0x10,        // function: write multiple registers
      0x00, 0x00,  // starting address 0, but we wrote at 1
      0x00, 0x02,  // quantity 2
  };
  EXPECT_EQ(decode_error(WriteMultipleRegisters{1, {0x000A, 0x0102}}, response).code,
            Errc::echo_mismatch);
}

TEST(ModbusPduWriteMultipleRegisters, QuantityLimits) {
  EXPECT_EQ(encode_error(WriteMultipleRegisters{0, {}}), Errc::invalid_request);
  EXPECT_EQ(encode_error(WriteMultipleRegisters{0, std::vector<std::uint16_t>(124, 1)}),
            Errc::invalid_request);
  EXPECT_EQ(encode_error(WriteMultipleRegisters{65535, {1, 2}}), Errc::invalid_request);
  EXPECT_EQ(encoded(WriteMultipleRegisters{0, std::vector<std::uint16_t>(123, 1)}).size(),
            6U + 246U);
}

// --- exception responses (section 7) ---------------------------------------

struct ExceptionCase {
  std::uint8_t code;
  Errc errc;
  const char* name;
};

class ModbusPduException : public ::testing::TestWithParam<ExceptionCase> {};

TEST_P(ModbusPduException, MapsToNamedError) {
  const ExceptionCase& c = GetParam();
  const Bytes response{
      0x83,    // function 0x03 with the exception bit set
      c.code,  // exception code
  };
  const Error error = decode_error(ReadHoldingRegisters{107, 3}, response);
  EXPECT_EQ(error.code, c.errc);
  EXPECT_EQ(error.exception_code, c.code);
  EXPECT_EQ(error.name(), c.name);
  EXPECT_TRUE(error.is_exception());
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, ModbusPduException,
    ::testing::Values(ExceptionCase{0x01, Errc::illegal_function, "illegal_function"},
                      ExceptionCase{0x02, Errc::illegal_data_address, "illegal_data_address"},
                      ExceptionCase{0x03, Errc::illegal_data_value, "illegal_data_value"},
                      ExceptionCase{0x04, Errc::server_device_failure, "server_device_failure"},
                      ExceptionCase{0x05, Errc::acknowledge, "acknowledge"},
                      ExceptionCase{0x06, Errc::server_device_busy, "server_device_busy"},
                      ExceptionCase{0x08, Errc::memory_parity_error, "memory_parity_error"},
                      ExceptionCase{0x0A, Errc::gateway_path_unavailable,
                                    "gateway_path_unavailable"},
                      ExceptionCase{0x0B, Errc::gateway_target_failed_to_respond,
                                    "gateway_target_failed_to_respond"},
                      ExceptionCase{0x0C, Errc::unknown_exception, "unknown:12"},
                      ExceptionCase{0x07, Errc::unknown_exception, "unknown:7"}));

TEST(ModbusPduExceptions, EveryFunctionRecognisesItsException) {
  const Request requests[] = {ReadCoils{0, 1},
                              ReadDiscreteInputs{0, 1},
                              ReadHoldingRegisters{0, 1},
                              ReadInputRegisters{0, 1},
                              WriteSingleCoil{0, true},
                              WriteSingleRegister{0, 1},
                              WriteMultipleCoils{0, {true}},
                              WriteMultipleRegisters{0, {1}}};
  for (const Request& request : requests) {
    const Bytes response{
        static_cast<std::uint8_t>(function_code(request) | 0x80),  // function | 0x80
        0x02,                                                      // illegal data address
    };
    EXPECT_EQ(decode_error(request, response).code, Errc::illegal_data_address)
        << describe(request);
  }
}

TEST(ModbusPduExceptions, OtherFunctionsExceptionIsAMismatch) {
  const Bytes response{
      0x84,  // exception of function 0x04, but we sent 0x03
      0x02,  // illegal data address
  };
  EXPECT_EQ(decode_error(ReadHoldingRegisters{0, 1}, response).code, Errc::function_mismatch);
}

TEST(ModbusPduExceptions, ExceptionWithoutCodeIsMalformed) {
  const Bytes response{
      0x83,  // exception of function 0x03, code missing
  };
  EXPECT_EQ(decode_error(ReadHoldingRegisters{0, 1}, response).code, Errc::malformed_response);
}

TEST(ModbusPduExceptions, ErrorMessageCarriesDetail) {
  const Bytes response{
      0x03,        // function
      0x04,        // byte count 4, one register expected
      0x00, 0x01,  // data
      0x00, 0x02,  // data
  };
  const Error error = decode_error(ReadHoldingRegisters{0, 1}, response);
  EXPECT_EQ(error.message(), "byte_count_mismatch: expected byte count 2 for 1 registers, got 4");
  EXPECT_FALSE(error.is_exception());
}

// --- response length from the first bytes ----------------------------------

TEST(ModbusPduLength, FromFunctionAndByteCount) {
  using Kind = PduLength::Kind;
  const Bytes read_prefix{
      0x03,  // read holding registers
      0x06,  // byte count 6
  };
  EXPECT_EQ(response_pdu_length(read_prefix).kind, Kind::complete);
  EXPECT_EQ(response_pdu_length(read_prefix).bytes, 8U);
  EXPECT_EQ(response_pdu_length(std::span(read_prefix).first(1)).kind, Kind::need_more);
  EXPECT_EQ(response_pdu_length({}).kind, Kind::need_more);

  const Bytes write{0x10};  // write multiple registers: fixed 5-byte echo
  EXPECT_EQ(response_pdu_length(write).bytes, 5U);
  const Bytes mask_write{0x16};  // mask write register: fixed 7-byte echo
  EXPECT_EQ(response_pdu_length(mask_write).bytes, 7U);
  const Bytes exception{0x90};  // exception of 0x10: function and code
  EXPECT_EQ(response_pdu_length(exception).bytes, 2U);
  const Bytes unknown{0x2B};  // encapsulated interface transport: not ours
  EXPECT_EQ(response_pdu_length(unknown).kind, Kind::unknown_function);
  const Bytes unknown_exception{0xAB};
  EXPECT_EQ(response_pdu_length(unknown_exception).kind, Kind::unknown_function);
}

TEST(ModbusPduDescribe, NamesTheRequest) {
  EXPECT_EQ(describe(ReadHoldingRegisters{107, 3}),
            "read_holding_registers address=107 quantity=3");
  EXPECT_EQ(describe(WriteSingleCoil{172, true}), "write_single_coil address=172 value=on");
  EXPECT_TRUE(is_write(WriteMultipleCoils{0, {true}}));
  EXPECT_FALSE(is_write(ReadCoils{0, 1}));
}

TEST(ModbusError, CodesTravelAsErrorCodesOfTheModbusCategory) {
  const boost::system::error_code code = Errc::illegal_data_address;
  EXPECT_EQ(code.category(), modbus_category());
  EXPECT_EQ(code.message(), "illegal_data_address");
}

TEST(ModbusError, ValueOfAFailedResultThrowsTheCodeAndTheDetail) {
  const Result<Bytes> refused = encode_request(ReadHoldingRegisters{0, 0});
  try {
    (void)refused.value();
    FAIL() << "value() returned";
  } catch (const boost::system::system_error& error) {
    EXPECT_EQ(error.code(), Errc::invalid_request);
    EXPECT_NE(std::string(error.what()).find("quantity 0 outside 1..125"), std::string::npos);
  }
}

}  // namespace
}  // namespace iotgw::drivers::modbus::pdu
