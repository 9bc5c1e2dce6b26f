// The gateway's status page: one self-contained HTML document (inline CSS
// and script, nothing loaded from elsewhere, so it works on a site without
// internet and under the HTTP server's Content-Security-Policy) that reads
// /api/status once a second and shows the gateway, its uplink, its queue and
// every point's last value. Read-only: it sends nothing but GET /api/status.
//
// A gateway with an HTTP token is opened as `http://<gateway>/#token=<token>`:
// the fragment never leaves the browser, and the page sends the token as
// `Authorization: Bearer <token>`. Each value cell is a span with
// data-point="<device>/<point>" holding the value alone (the unit is beside
// it); body[data-state] is "loading", "ok", "stale" (the last read failed,
// older data shown dimmed) or "error" (no data yet).
#pragma once

#include <string_view>

namespace iotgw::gateway {

std::string_view status_page_html();

}  // namespace iotgw::gateway
