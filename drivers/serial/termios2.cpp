// Line settings through the kernel's termios2 interface, which takes any baud
// rate (BOTHER) where POSIX termios knows only a fixed list. It lives alone in
// this file because <asm/termbits.h> cannot be included beside <termios.h>.
#include "drivers/serial/termios2.hpp"

#include <asm/termbits.h>
#include <cerrno>
#include <linux/serial.h>
#include <sys/ioctl.h>

namespace iotgw::drivers::serial {

int apply_line_settings(int fd, const config::Bus& bus) {
  struct termios2 tio {};
  if (::ioctl(fd, TCGETS2, &tio) != 0) {
    return errno;
  }
  // Raw bytes: no echo, no line editing, no signals, no translation.
  tio.c_iflag &=
      ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF | IXANY | INPCK);
  tio.c_oflag &= ~OPOST;
  tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS | CBAUD | (CBAUD << IBSHIFT));
  tio.c_cflag |= CREAD | CLOCAL | BOTHER | (BOTHER << IBSHIFT);
  tio.c_ispeed = bus.baud;
  tio.c_ospeed = bus.baud;
  static constexpr tcflag_t sizes[] = {CS5, CS6, CS7, CS8};
  tio.c_cflag |= sizes[bus.data_bits - 5];
  if (bus.parity != config::Parity::none) {
    tio.c_cflag |= PARENB;
  }
  if (bus.parity == config::Parity::odd) {
    tio.c_cflag |= PARODD;
  }
  if (bus.stop_bits == 2) {
    tio.c_cflag |= CSTOPB;
  }
  if (bus.flow_control == config::FlowControl::rtscts) {
    tio.c_cflag |= CRTSCTS;
  } else if (bus.flow_control == config::FlowControl::xonxoff) {
    tio.c_iflag |= IXON | IXOFF;
  }
  // VMIN 1 with O_NONBLOCK makes an empty read fail with EAGAIN; VMIN 0 would
  // return 0, which Asio takes for end of file.
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (::ioctl(fd, TCSETS2, &tio) != 0) {
    return errno;
  }
  return 0;
}

int apply_rs485(int fd, const config::Rs485& rs485) {
  struct serial_rs485 settings {};
  settings.flags = SER_RS485_ENABLED;
  if (rs485.rts_on_send) {
    settings.flags |= SER_RS485_RTS_ON_SEND;
  }
  if (rs485.rts_after_send) {
    settings.flags |= SER_RS485_RTS_AFTER_SEND;
  }
  settings.delay_rts_before_send = static_cast<__u32>(rs485.delay_before_send.count());
  settings.delay_rts_after_send = static_cast<__u32>(rs485.delay_after_send.count());
  return ::ioctl(fd, TIOCSRS485, &settings) == 0 ? 0 : errno;
}

int discard_buffers(int fd) {
  return ::ioctl(fd, TCFLSH, TCIOFLUSH) == 0 ? 0 : errno;
}

}  // namespace iotgw::drivers::serial
