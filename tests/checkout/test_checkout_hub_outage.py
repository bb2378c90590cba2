"""The hub goes away mid-sale: the auth request reaches the hub (a hold is placed) but the answer is lost. The
checkout approves offline within limits, journals the abandoned hold, and releases it once the hub answers again."""

from __future__ import annotations

from checkout_support import basket, card_number, records, types
from faultproxy import Fault, FaultProxy

from drivers.card.emulator import CardProfile
from terminal.checkout import State, pending_releases, release_abandoned_holds
from terminal.demo.rig import build_till


def test_lost_auth_answer_goes_offline_and_the_hold_is_released_later(tmp_path, hub):
    cut = {"what": ""}  # "auth": answers to authorisations are lost; "all": the hub is unreachable

    def policy(_n: int, _method: str, path: str) -> Fault:
        if cut["what"] == "all":
            return Fault.DROP
        return Fault.CUT_RESPONSE if cut["what"] == "auth" and path.endswith("/auth") else Fault.PASS

    with FaultProxy(hub.port, policy) as proxy:
        till = build_till(tmp_path / "till", terminal_id="T-CO-OUTAGE", hub_url=proxy.url,
                          enrol_code=hub.enrol_code("M-DEMO").encode(), auth_budget_s=1.0)
        try:
            cut["what"] = "auth"
            basket(till, "88.00")
            till.card_reader.present("visa")
            out = till.checkout.pay_card()
            assert out.result == "completed" and out.offline
            abandoned = [r.payload for r in records(till) if r.type == "auth.abandoned"]
            assert len(abandoned) == 1 and pending_releases(till.journal) == abandoned
            sale = next(r.payload for r in records(till) if r.type == "sale.completed")
            assert sale["tenders"][0]["reference"].startswith("OFF")  # booked directly, never against the hold

            cut["what"] = "all"
            assert release_abandoned_holds(till.journal, till.checkout.ports.auth) == 0  # unreachable: kept for later
            cut["what"] = ""
            assert release_abandoned_holds(till.journal, till.checkout.ports.auth) == 1
            released = [r.payload for r in records(till) if r.type == "auth.released"]
            assert released[0]["auth_id"] == abandoned[0]["auth_id"] and released[0]["status"] == "voided"
            assert pending_releases(till.journal) == []

            basket(till, "10.00")  # the next card payment finds the hub again
            till.card_reader.present("unionpay")
            back = till.checkout.pay_card()
            assert back.result == "completed", back
            assert not back.offline and till.checkout.offline is None
            basket(till, "600.00")  # over the offline per-sale limit: only the hub can approve it
            till.card_reader.present(CardProfile("fresh", card_number("4761990")))
            big = till.checkout.pay_card()
            if big.result == "step_up":
                big = (till.checkout.enter_pin("1234") if till.checkout.state is State.STEP_UP_PIN
                       else till.checkout.supervisor_approve("S-001", "2468"))
            assert big.result == "completed" and not big.offline, big
            assert till.uplink.sync_once(pull=False).ok
            held = hub.admin("GET", f"/v1/admin/terminals/{till.keystore.terminal_id}")
            assert held["records"] == {"accepted": len(records(till))}
            assert "tender.approved" in types(till)
        finally:
            till.close()
