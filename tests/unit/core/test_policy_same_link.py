from streams.core.policy import SharingPolicy, decide
from streams.testing import policy_text

POLICY = SharingPolicy.parse(policy_text(["FR", "DE"], auto=[("FR", "DE")]))


def _match(token: str) -> dict:
    refs = [{"fiu": "FR", "report_id": "FR-1", "sharing": "auto", "restrictions": []},
            {"fiu": "DE", "report_id": "DE-1", "sharing": "auto", "restrictions": []}]  # fmt: skip
    return {"match_id": "m1", "status": "cross_border", "match_kind": "wallet", "token": token, "reports": refs,
            "created_at": "t", "source_ts": 0}  # fmt: skip


def test_two_shared_wallets_between_two_reports_give_one_notification_content_per_id() -> None:
    state, first = decide(None, _match("k1:aa"), POLICY, "t")
    state, second = decide(state, _match("k1:bb"), POLICY, "t")
    assert len(first.notifications) == 2
    assert first.notifications == second.notifications
    assert {n["token"] for n in second.notifications} == {"k1:aa"}
