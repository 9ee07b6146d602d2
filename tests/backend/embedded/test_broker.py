"""The embedded broker launcher, and a real produce/consume round trip."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from backend.embedded.broker import EmbeddedBroker, port_answers
from backend.embedded.errors import InfrastructureError
from backend.embedded.infrastructure import Infrastructure
from backend.embedded.process import pid_alive
from backend.kit.settings import load_settings


@pytest.fixture
def broker(tmp_path: Path):
    b = EmbeddedBroker(tmp_path / "run")
    yield b
    b.stop()


async def _round_trip(bootstrap: str) -> list[tuple[bytes, bytes]]:
    topic = f"test.roundtrip-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(topic, f"v{i}".encode(), key=b"aggregate-1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    got: list[tuple[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            async for msg in consumer:
                got.append((msg.key, msg.value))
                if len(got) == 3:
                    break
        await consumer.commit()
    finally:
        await consumer.stop()
    return got


class TestRoundTrip:
    async def test_produce_and_consume_in_key_order(self, bootstrap_servers: str) -> None:
        got = await _round_trip(bootstrap_servers)
        assert got == [(b"aggregate-1", b"v0"), (b"aggregate-1", b"v1"), (b"aggregate-1", b"v2")]

    def test_other_kafka_clients_can_read_the_cluster(self, bootstrap_servers: str) -> None:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            assert admin.describe_cluster()["brokers"]
        finally:
            admin.close()


class TestLifecycle:
    def test_start_picks_a_free_loopback_port_and_records_it(self, broker: EmbeddedBroker) -> None:
        bootstrap = broker.start(tie_to_parent=True)
        assert bootstrap.startswith("127.0.0.1:")
        assert broker.kind == "tansu"
        assert broker.state_path.exists()
        assert port_answers("127.0.0.1", broker.port or 0)

    def test_a_leftover_healthy_broker_is_reused(self, broker: EmbeddedBroker) -> None:
        broker.start(tie_to_parent=True)
        again = EmbeddedBroker(broker.run_dir)
        assert again.start(tie_to_parent=True) == broker.bootstrap
        assert again.pid == broker.pid

    @pytest.mark.slow
    async def test_restart_after_kill_9(self, broker: EmbeddedBroker) -> None:
        broker.start(tie_to_parent=True)
        old_pid, old_port = broker.pid, broker.port
        assert old_pid is not None
        broker.kill()
        assert not pid_alive(old_pid)
        again = EmbeddedBroker(broker.run_dir)
        try:
            bootstrap = again.start(tie_to_parent=True)
            assert again.pid != old_pid
            assert await _round_trip(bootstrap)
        finally:
            again.stop()
        assert old_port is not None

    def test_a_taken_port_is_a_clear_error(self, tmp_path: Path) -> None:
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            port = squatter.getsockname()[1]
            with pytest.raises(InfrastructureError) as err:
                EmbeddedBroker(tmp_path / "run", port=port).start(tie_to_parent=True)
        assert f"port {port} is already in use" in err.value.cause

    def test_unwritable_folder_is_a_clear_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("")
        with pytest.raises(InfrastructureError) as err:
            EmbeddedBroker(blocker / "run").start(tie_to_parent=True)
        assert "not writable" in err.value.cause


class TestBootstrapOverride:
    def test_kafka_bootstrap_servers_wins(self, bootstrap_servers: str, tmp_path: Path) -> None:
        settings = load_settings(SALESOS_HOME=tmp_path, KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers)
        infra = Infrastructure(settings)
        assert infra.start_broker(tie_to_parent=True) == bootstrap_servers
        assert infra.broker is None

    def test_unreachable_bootstrap_is_a_clear_error(self, tmp_path: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free = s.getsockname()[1]
        settings = load_settings(SALESOS_HOME=tmp_path, KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free}")
        with pytest.raises(InfrastructureError) as err:
            Infrastructure(settings).start_broker(tie_to_parent=True)
        assert "no broker answers" in err.value.cause
