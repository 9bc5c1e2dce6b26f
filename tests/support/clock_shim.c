/* Preloaded into the gateway by the tests: what the kernel says of the wall
 * clock, decided by the test. A machine that runs the tests is often one whose
 * kernel clock nothing disciplines (a container, a VM without an NTP client),
 * and reports it unsynchronised; a board in the field runs
 * systemd-timesyncd or chrony, which report it synchronised.
 *
 * IOTGW_TEST_CLOCK_SYNCED_FILE unset: synchronised. Set: synchronised once
 * that file exists. Only reads are answered; a request to change the clock is
 * refused, as it would be for the unprivileged service. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

static int answer(struct timex *query) {
  if (query->modes != 0) {
    errno = EPERM;
    return -1;
  }
  const char *file = getenv("IOTGW_TEST_CLOCK_SYNCED_FILE");
  const int synced = file == NULL || access(file, F_OK) == 0;
  memset(query, 0, sizeof *query);
  query->status = synced ? STA_PLL : STA_UNSYNC;
  query->maxerror = synced ? 1000 : 16000000;
  query->esterror = synced ? 100 : 16000000;
  return synced ? TIME_OK : TIME_ERROR;
}

int adjtimex(struct timex *query) { return answer(query); }

int ntp_adjtime(struct timex *query) { return answer(query); }
