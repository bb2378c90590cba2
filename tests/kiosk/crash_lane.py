"""A real kiosk lane process for the crash tests: opens the demo lane in DIR and pays a basket by card; when the
journal has written the record type given as CRASH_AT it says so on stdout and waits to be killed (SIGKILL from the
test: a power cut at that exact point)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from terminal.kiosk.wiring import demo_lane


def main() -> None:
    where, crash_at, secret = Path(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
    wired = demo_lane(where, secret=secret)
    lane, till = wired.lane, wired.till
    print("RECOVERY", wired.recovery.to_dict(), flush=True)
    if crash_at == "none":
        return
    real_append = till.journal.append

    def append(record_type, payload, sensitive=None):
        result = real_append(record_type, payload, sensitive)
        if record_type == crash_at:
            print("CRASHPOINT", payload.get("sale_id") or payload.get("sale", {}).get("sale_id"), flush=True)
            while True:
                time.sleep(1)
        return result

    till.journal.append = append  # type: ignore[method-assign]
    lane.start()
    lane.choose_language("en")
    lane.scan(lane.catalogue.by_sku("SNK-001").barcode)
    lane.bagged(75)
    lane.review()
    lane.to_payment()
    till.card_reader.present("visa")
    lane.pay("card")
    print("PAID", flush=True)


if __name__ == "__main__":
    main()
