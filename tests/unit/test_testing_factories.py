"""streams.testing's factories: the policy text builder writes the TOML a person would."""

from __future__ import annotations

from streams.core.policy import SharingPolicy
from streams.testing import policy_text


def test_policy_text_is_the_toml_by_hand() -> None:
    text = policy_text(
        ["FR", "DE", "NL"], auto=[("FR", "DE")], consent=[("DE", "NL")], purposes={("FR", "DE"): "p"}
    )
    assert text == (
        'fius = ["FR", "DE", "NL"]\ndefault = "deny"\n\n'
        '[[agreement]]\nfius = ["FR", "DE"]\nmode = "auto"\npurpose = "p"\n\n'
        '[[agreement]]\nfius = ["DE", "NL"]\nmode = "consent"\n'
    )
    policy = SharingPolicy.parse(text)
    assert policy.mode("DE", "FR") == ("auto", "p")
    assert policy.mode("NL", "DE")[0] == "consent"
    assert policy.mode("FR", "NL")[0] == "deny"
