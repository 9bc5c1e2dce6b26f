/* A Modbus TCP server built on Debian's libmodbus: a second implementation
 * of the protocol next to pymodbus (tests/sim/modbus_sim.py), for the tests
 * that must hold against both (tests/integration/20-bit-writes.py).
 *
 *   libmodbus_peer PORT [--register ADDRESS=VALUE ...]
 *
 * Listens on 127.0.0.1:PORT (PORT 0: a free port, the one printed), with 200
 * coils, discrete inputs, holding registers and input registers, all zero but
 * the holding registers that --register presets. Prints "ready PORT" once it
 * listens, then serves one client connection at a time, and the next once a
 * client leaves, until SIGTERM or SIGINT (exit code 0). Each line is flushed
 * as it is printed:
 *
 *   function F at A    every request, before libmodbus answers it: its
 *                      function code and starting address, from the request
 *                      bytes;
 *   holding A = V      after a write of holding registers (functions 6, 16,
 *                      22 and 23), each register written, as the mapping
 *                      holds it once libmodbus has answered;
 *   coil A = V         the same for a write of coils (functions 5 and 15).
 *
 * A write outside the mapping gets libmodbus's exception reply and no value
 * line. libmodbus itself answers every request (modbus_reply), Mask Write
 * Register (function 22) included. */
#define _GNU_SOURCE
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

enum { TABLE_SIZE = 200 };

static int usage(const char* message) {
  fprintf(stderr, "libmodbus_peer: %s\nusage: libmodbus_peer PORT [--register ADDRESS=VALUE ...]\n",
          message);
  return 2;
}

/* Reads a whole decimal number no greater than `max` from `text` up to `end`
 * (a character, or '\0'); where it stopped in `rest`. 0 if there is none. */
static int parse_number(const char* text, char end, unsigned long max, unsigned long* value,
                        const char** rest) {
  char* stop = NULL;
  if (*text < '0' || *text > '9')
    return 0;
  errno = 0;
  *value = strtoul(text, &stop, 10);
  if (errno != 0 || *value > max || *stop != end)
    return 0;
  if (rest != NULL)
    *rest = stop;
  return 1;
}

static unsigned word_at(const uint8_t* bytes) {
  return ((unsigned)bytes[0] << 8) | bytes[1];
}

/* The registers or coils a write request changed, as `mapping` holds them now. */
static void print_written(const uint8_t* request, int header, const modbus_mapping_t* mapping) {
  const uint8_t* pdu = request + header;
  unsigned address = word_at(pdu + 1);
  unsigned count = 1, most = 1;
  int coils = 0;
  switch (pdu[0]) {
    case MODBUS_FC_WRITE_SINGLE_COIL:
      coils = 1;
      break;
    case MODBUS_FC_WRITE_MULTIPLE_COILS:
      coils = 1;
      count = word_at(pdu + 3);
      most = MODBUS_MAX_WRITE_BITS;
      break;
    case MODBUS_FC_WRITE_SINGLE_REGISTER:
    case MODBUS_FC_MASK_WRITE_REGISTER:
      break;
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS:
      count = word_at(pdu + 3);
      most = MODBUS_MAX_WRITE_REGISTERS;
      break;
    case MODBUS_FC_WRITE_AND_READ_REGISTERS:
      address = word_at(pdu + 5);
      count = word_at(pdu + 7);
      most = MODBUS_MAX_WR_WRITE_REGISTERS;
      break;
    default:
      return;
  }
  /* What libmodbus refuses with an exception, the mapping unchanged. */
  unsigned size = (unsigned)(coils ? mapping->nb_bits : mapping->nb_registers);
  if (count == 0 || count > most || address + count > size)
    return;
  for (unsigned i = address; i < address + count; ++i) {
    if (coils) {
      printf("coil %u = %u\n", i, (unsigned)mapping->tab_bits[i]);
    } else {
      printf("holding %u = %u\n", i, (unsigned)mapping->tab_registers[i]);
    }
  }
}

/* Serves the client connected on `ctx` until it leaves (1) or a signal
 * arrives on `signals` (0). */
static int serve_client(modbus_t* ctx, int signals, modbus_mapping_t* mapping) {
  uint8_t request[MODBUS_TCP_MAX_ADU_LENGTH];
  const int header = modbus_get_header_length(ctx);
  for (;;) {
    struct pollfd waits[2] = {{.fd = modbus_get_socket(ctx), .events = POLLIN},
                              {.fd = signals, .events = POLLIN}};
    if (poll(waits, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    if (waits[1].revents != 0)
      return 0;
    int length = modbus_receive(ctx, request);
    /* Below 0: the client left, or sent something libmodbus refuses. */
    if (length < 0)
      return 1;
    if (length <= header)
      continue;
    /* Function codes without an address (7, 11, 17...) print 0. */
    printf("function %u at %u\n", (unsigned)request[header],
           length >= header + 3 ? word_at(request + header + 1) : 0u);
    fflush(stdout);
    if (modbus_reply(ctx, request, length, mapping) < 0)
      return 1;
    print_written(request, header, mapping);
    fflush(stdout);
  }
}

int main(int argc, char** argv) {
  unsigned long port = 0;
  if (argc < 2 || !parse_number(argv[1], '\0', 65535, &port, NULL))
    return usage("PORT must be a port number");

  modbus_mapping_t* mapping = modbus_mapping_new(TABLE_SIZE, TABLE_SIZE, TABLE_SIZE, TABLE_SIZE);
  if (mapping == NULL) {
    fprintf(stderr, "libmodbus_peer: modbus_mapping_new: %s\n", modbus_strerror(errno));
    return 1;
  }
  for (int i = 2; i < argc; i += 2) {
    unsigned long address = 0, value = 0;
    const char* rest = NULL;
    if (strcmp(argv[i], "--register") != 0 || i + 1 == argc ||
        !parse_number(argv[i + 1], '=', TABLE_SIZE - 1, &address, &rest) ||
        !parse_number(rest + 1, '\0', 65535, &value, NULL)) {
      modbus_mapping_free(mapping);
      return usage("expected --register ADDRESS=VALUE, ADDRESS below 200, VALUE below 65536");
    }
    mapping->tab_registers[address] = (uint16_t)value;
  }

  /* SIGTERM and SIGINT arrive on a descriptor, which the waits watch along
   * with the sockets: libmodbus retries its own waits on EINTR. */
  sigset_t ending;
  sigemptyset(&ending);
  sigaddset(&ending, SIGTERM);
  sigaddset(&ending, SIGINT);
  sigprocmask(SIG_BLOCK, &ending, NULL);
  signal(SIGPIPE, SIG_IGN);
  int signals = signalfd(-1, &ending, SFD_CLOEXEC);
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", (int)port);
  int listener = ctx != NULL ? modbus_tcp_listen(ctx, 1) : -1;
  if (signals < 0 || listener < 0) {
    fprintf(stderr, "libmodbus_peer: cannot listen on 127.0.0.1:%lu: %s\n", port,
            modbus_strerror(errno));
    if (ctx != NULL)
      modbus_free(ctx);
    if (signals >= 0)
      close(signals);
    modbus_mapping_free(mapping);
    return 1;
  }
  struct sockaddr_in bound;
  socklen_t bound_length = sizeof bound;
  if (getsockname(listener, (struct sockaddr*)&bound, &bound_length) == 0)
    port = ntohs(bound.sin_port);
  printf("ready %lu\n", port);
  fflush(stdout);

  int status = 0;
  for (;;) {
    struct pollfd waits[2] = {{.fd = listener, .events = POLLIN},
                              {.fd = signals, .events = POLLIN}};
    if (poll(waits, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "libmodbus_peer: poll: %s\n", strerror(errno));
      status = 1;
      break;
    }
    if (waits[1].revents != 0)
      break;
    /* A client gone before it was accepted: the next one. */
    if (modbus_tcp_accept(ctx, &listener) < 0)
      continue;
    int more = serve_client(ctx, signals, mapping);
    modbus_close(ctx); /* the client's socket */
    if (!more)
      break;
  }
  close(listener);
  close(signals);
  modbus_free(ctx);
  modbus_mapping_free(mapping);
  return status;
}
