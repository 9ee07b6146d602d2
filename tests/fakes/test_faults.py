"""Each kind of fault as a client sees it, and what the provider really kept: the
recorder is what a fault suite counts duplicates and losses with."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest

from tests.fakes import faults, google
from tests.fakes.faults import FaultKind, FaultQueue, Recorder

USER = "alice@example.com"


def raw(number: int) -> dict[str, str]:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = USER, "bob@example.org", f"Note {number}"
    message["Message-ID"] = f"<note-{number}@salesos.test>"
    message.set_content("Hello")
    return {"raw": base64.urlsafe_b64encode(message.as_bytes()).decode()}


@pytest.fixture(scope="module")
def fake() -> Iterator[google.GoogleFake]:
    with google.running((USER, "carol@example.com")) as served:
        yield served


@pytest.fixture
def gmail(fake: google.GoogleFake) -> Iterator[httpx.Client]:
    fake.faults.clear()
    fake.recorder.clear()
    token = fake.issue_tokens(USER)["access_token"]
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=httpx.Timeout(5, read=0.5)) as client:  # fmt: skip
        yield client


def send(client: httpx.Client, number: int) -> httpx.Response:
    return client.post("/gmail/v1/users/me/messages/send", json=raw(number))


class TestFaultKinds:
    def test_status_refuses_before_accepting(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.status(503, retry_after=7))
        answer = send(gmail, 1)
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "7")
        assert answer.json()["error"]["errors"][0]["reason"] == "backendError"
        assert fake.recorder.count("<note-1@salesos.test>") == 0

    def test_accept_then_status_keeps_the_message_and_answers_an_error(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.accept_then_status(500))
        assert send(gmail, 2).status_code == 500
        assert fake.recorder.count("<note-2@salesos.test>") == 1
        found = gmail.get(
            "/gmail/v1/users/me/messages", params={"q": "rfc822msgid:<note-2@salesos.test>"}
        )
        assert found.json()["resultSizeEstimate"] == 1

    def test_accept_then_hang_keeps_the_message_past_the_clients_time_out(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.accept_then_hang(2))
        with pytest.raises(httpx.ReadTimeout):
            send(gmail, 3)
        assert fake.recorder.count("<note-3@salesos.test>") == 1

    def test_accept_then_drop_keeps_the_message_and_closes_the_connection(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.accept_then_drop())
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            send(gmail, 4)
        assert fake.recorder.count("<note-4@salesos.test>") == 1
        assert fake.recorder.requests_to("gmail.send")[-1].status is None

    def test_hang_before_accept_keeps_nothing(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.hang_before_accept(2))
        with pytest.raises(httpx.ReadTimeout):
            send(gmail, 5)
        assert fake.recorder.count("<note-5@salesos.test>") == 0

    def test_a_short_hang_before_accept_answers_a_gateway_time_out(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.hang_before_accept(0.1))
        assert send(gmail, 6).status_code == 504

    def test_drop_before_accept_keeps_nothing(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.drop_before_accept())
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            send(gmail, 7)
        assert fake.recorder.count("<note-7@salesos.test>") == 0
        assert send(gmail, 7).status_code == 200  # the next connection is served

    def test_a_fault_for_one_mailbox_leaves_the_others_alone(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        fake.faults.push("gmail.send", faults.status(429), mailbox="carol@example.com")
        assert send(gmail, 8).status_code == 200
        assert fake.faults.pending() == 1


class TestAThousandFaults:
    def test_a_seeded_mix_is_cheap_and_the_tally_adds_up(
        self, fake: google.GoogleFake, gmail: httpx.Client
    ) -> None:
        mix = [faults.status(503), faults.status(429, retry_after=1), faults.status(403),
               faults.accept_then_status(500), faults.accept_then_status(502)]  # fmt: skip
        fake.faults.set_rate("gmail.profile", 0.9, mix)
        before = fake.faults.total_injected()
        statuses = [gmail.get("/gmail/v1/users/me/profile").status_code for _ in range(1000)]
        assert fake.faults.total_injected() - before == sum(s != 200 for s in statuses) > 850
        fake.faults.set_rate(
            "gmail.send", 1.0, [faults.accept_then_status(500), faults.status(503)]
        )
        before = fake.faults.injected[("gmail.send", FaultKind.ACCEPT_THEN_STATUS)]
        for number in range(40):
            send(gmail, 100 + number)
        accepted = fake.faults.injected[("gmail.send", FaultKind.ACCEPT_THEN_STATUS)] - before
        tally = fake.recorder.tally(f"<note-{100 + n}@salesos.test>" for n in range(40))
        assert len(tally.lost) == 40 - accepted
        assert tally.duplicated == {}


class TestFaultQueue:
    def test_the_same_seed_draws_the_same_faults(self) -> None:
        choices = [faults.status(503), faults.accept_then_drop(), faults.accept_then_hang(1)]
        assert faults.random_faults(50, choices, seed=7) == faults.random_faults(
            50, choices, seed=7
        )
        draws = []
        for _ in range(2):
            queue = FaultQueue(seed=3)
            queue.set_rate("smtp.data", 0.5, choices)
            draws.append([queue.take("smtp.data") for _ in range(200)])
        assert draws[0] == draws[1]
        assert 60 < sum(f is not None for f in draws[0]) < 140

    def test_queues_come_before_rates_and_mailboxes_before_endpoints(self) -> None:
        queue = FaultQueue()
        queue.set_rate("*", 1.0, [faults.status(500)])
        queue.push("gmail.send", faults.status(503))
        queue.push("gmail.send", faults.status(429), mailbox="Alice@Example.com")
        taken = [queue.take("gmail.send", "alice@example.com"), queue.take("gmail.send", "bob@x"),
                 queue.take("gmail.send", "bob@x")]  # fmt: skip
        assert [f.code for f in taken if f] == [429, 503, 500]

    def test_the_tally_names_lost_and_duplicated_messages(self) -> None:
        recorder = Recorder()
        for mid in ("<a@t>", "<b@t>", "<b@t>", "<c@t>"):
            recorder.record_accepted(
                faults.AcceptedMessage("smtp", USER, mid, (), EmailMessage(), b"")
            )
        tally = recorder.tally(["a@t", "<b@t>", "<d@t>"])
        assert tally.lost == {"<d@t>"}
        assert tally.duplicated == {"<b@t>": 2}
        assert tally.unexpected == {"<c@t>"}
        assert not tally.exact
