/* Anchor: Eclipse Paho C (MQTTAsync) QoS 1 publish throughput to a broker in
   MQTT 5. It mirrors ../shared/anchors/paho_bench.c (the MQTT 3.1.1 anchor
   kept beside the repository) in MQTT 5 mode: the same N messages of
   PAYLOAD_BYTES bytes, the same window of INFLIGHT unacknowledged messages
   kept full by polling, the same figure printed at the end. What changes is
   the MQTT 5 API: the version in the create and connect options, Clean Start
   instead of Clean Session, and the onSuccess5/onFailure5 callbacks, whose
   PUBACK may carry a reason code (5.0 3.4.2.1). A PUBACK with a failure code
   still frees the window and is counted; any makes the exit status 1.
   Compiled by tests/bench/mqtt_publish at run time:
   gcc -O2 paho_bench_v5.c -lpaho-mqtt3as
   usage: paho_bench_v5 URI N PAYLOAD_BYTES INFLIGHT */
#include <MQTTAsync.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile long acked = 0;
static volatile long failed = 0;
static volatile int connected = 0;

static void on_connect(void* context, MQTTAsync_successData5* response) {
  (void)context;
  (void)response;
  connected = 1;
}

static void on_connect_failure(void* context, MQTTAsync_failureData5* response) {
  (void)context;
  fprintf(stderr, "connect failed: reason code %d\n", response ? (int)response->reasonCode : -1);
  exit(2);
}

static void on_acknowledged(void* context, MQTTAsync_successData5* response) {
  (void)context;
  (void)response;
  __sync_fetch_and_add(&acked, 1);
}

static void on_refused(void* context, MQTTAsync_failureData5* response) {
  (void)context;
  (void)response;
  __sync_fetch_and_add(&failed, 1);
  __sync_fetch_and_add(&acked, 1);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s URI N PAYLOAD_BYTES INFLIGHT\n", argv[0]);
    return 2;
  }
  const char* uri = argv[1];
  const long n = atol(argv[2]);
  const int size = atoi(argv[3]);
  const int inflight = atoi(argv[4]);

  MQTTAsync client;
  MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer5;
  create.maxBufferedMessages = inflight;
  create.sendWhileDisconnected = 0;
  if (MQTTAsync_createWithOptions(&client, uri, "paho-bench-v5", MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                  &create) != MQTTASYNC_SUCCESS) {
    fprintf(stderr, "create failed\n");
    return 2;
  }
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer5;
  options.keepAliveInterval = 30;
  options.cleanstart = 1;
  options.maxInflight = inflight;
  options.onSuccess5 = on_connect;
  options.onFailure5 = on_connect_failure;
  if (MQTTAsync_connect(client, &options) != MQTTASYNC_SUCCESS) {
    fprintf(stderr, "connect refused by the library\n");
    return 2;
  }
  while (!connected) {
    usleep(1000);
  }

  char* payload = malloc(size);
  memset(payload, 'x', size);
  const double started = now();
  long sent = 0;
  while (sent < n) {
    if (sent - acked >= inflight) {
      usleep(50);
      continue;
    }
    MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
    response.onSuccess5 = on_acknowledged;
    response.onFailure5 = on_refused;
    MQTTAsync_message message = MQTTAsync_message_initializer;
    message.payload = payload;
    message.payloadlen = size;
    message.qos = 1;
    if (MQTTAsync_sendMessage(client, "bench/paho", &message, &response) == MQTTASYNC_SUCCESS) {
      sent++;
    } else {
      usleep(100);
    }
  }
  while (acked < n) {
    usleep(100);
  }
  const double seconds = now() - started;
  if (failed != 0) {
    fprintf(stderr, "paho_c mqtt5: %ld of %ld publishes refused\n", (long)failed, n);
    return 1;
  }
  printf("paho_c mqtt5 qos1 %ld msgs in %.3f s = %.0f msg/s\n", n, seconds, n / seconds);
  return 0;
}
